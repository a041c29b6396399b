// JSON -> column vectors with simdjson's on-demand parser, following ksqlDB's
// KsqlJsonDeserializer:
//   - object fields match columns by exact name first, then by the upper-cased JSON name (so
//     unquoted, upper-cased columns match any case; quoted columns match exactly); a missing
//     field is NULL; JSON null is NULL; unknown fields are skipped.
//   - BOOLEAN from true/false only. INTEGER/BIGINT from numbers (fractions truncated) or from
//     strings holding an integer. DOUBLE from numbers or numeric strings. DECIMAL from numbers
//     (exact text, rounded HALF_UP to the scale) or strings. STRING from strings; numbers and
//     booleans as their text, objects as compact JSON, arrays as "[a, b]".
//     TIMESTAMP (ms), DATE (days), TIME (ms) from numbers or numeric strings. BYTES from Base64.
//   - ARRAY from arrays, MAP (STRING keys) and STRUCT from objects.
#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include <fmt/format.h>

#include "format/decimal.h"
#include "format/json_internal.h"
#include "format/text.h"

namespace sluice::format::json_internal {

namespace od = simdjson::ondemand;

static_assert(kRecordPadding >= simdjson::SIMDJSON_PADDING);

namespace {

// A struct's field names, for matching JSON keys.
struct StructMatcher {
  std::vector<std::string> names;

  // Index of the field named exactly `key`, trying `hint` first (fields usually arrive in schema
  // order), or -1.
  int exact(std::string_view key, size_t hint) const {
    if (hint < names.size() && names[hint] == key) return static_cast<int>(hint);
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i].size() == key.size() && names[i] == key) return static_cast<int>(i);
    }
    return -1;
  }
  int upper(std::string_view key) const {
    char buf[256];
    if (key.size() > sizeof(buf)) return -1;
    for (size_t i = 0; i < key.size(); ++i) {
      char c = key[i];
      buf[i] = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
    }
    return exact(std::string_view(buf, key.size()), names.size());
  }
};

// How the JSON key seen at one position of an object resolved last time. Records of a topic
// mostly share their shape, so one compare usually replaces the name lookup.
struct CachedKey {
  std::string key;
  int index;  // -1: no such field
  bool exact;
  // The key's first 16 bytes, zero-padded, for keys of at most 16 bytes: compared with two
  // loads (JSON keys lie in a record copy with SIMDJSON_PADDING readable bytes after it). Only
  // keys that had no escapes are cached.
  uint64_t words[2] = {0, 0};

  static CachedKey make(std::string_view k, int index, bool exact) {
    CachedKey c{std::string(k), index, exact};
    if (k.size() <= 16) std::memcpy(c.words, k.data(), k.size());
    return c;
  }
  // Whether the raw (unescaped-free) key text starting at `p` - a JSON key's first byte, inside
  // the padded record - is this key: its bytes, then the closing quote. A key without escapes
  // cannot hold a bare quote, so that quote ends it.
  // `end` bounds the readable bytes (the record's padding end).
  bool matches_raw(const char* p, const char* end) const {
    size_t n = key.size();
    if (n > 16) {
      return static_cast<size_t>(end - p) > n && std::memcmp(p, key.data(), n) == 0 && p[n] == '"';
    }
    uint64_t w[2];
    std::memcpy(w, p, 16);
    bool same;
    if (n < 8) {
      uint64_t mask = n == 0 ? 0 : (~uint64_t{0} >> (64 - 8 * n));
      same = (w[0] & mask) == words[0];
    } else {
      uint64_t mask = n == 8 ? 0 : (~uint64_t{0} >> (64 - 8 * (n - 8)));
      same = w[0] == words[0] && (w[1] & mask) == words[1];
    }
    return same && p[n] == '"';
  }
};

// Integer text of a JSON number token: an optional '-' and 1-18 digits (no overflow possible),
// else false (the caller falls back to the general path).
inline bool fast_int(std::string_view t, int64_t& out) {
  size_t i = 0;
  bool neg = false;
  if (!t.empty() && t[0] == '-') {
    neg = true;
    i = 1;
  }
  size_t digits = t.size() - i;
  if (digits == 0 || digits > 18) return false;
  int64_t v = 0;
  // Eight digits at a time (SWAR, little-endian), then one at a time.
  for (; t.size() - i >= 8; i += 8) {
    uint64_t w;
    std::memcpy(&w, t.data() + i, 8);
    if (((w & 0xF0F0F0F0F0F0F0F0) | (((w + 0x0606060606060606) & 0xF0F0F0F0F0F0F0F0) >> 4)) !=
        0x3333333333333333) {
      return false;  // not eight digits
    }
    w -= 0x3030303030303030;
    w = (w * 10 + (w >> 8)) & 0x00FF00FF00FF00FF;      // pairs
    w = (w * 100 + (w >> 16)) & 0x0000FFFF0000FFFF;    // quads
    w = (w * 10000 + (w >> 32)) & 0x00000000FFFFFFFF;  // all eight
    v = v * 100000000 + static_cast<int64_t>(w);
  }
  for (; i < t.size(); ++i) {
    unsigned d = static_cast<unsigned>(t[i] - '0');
    if (d > 9) return false;
    v = v * 10 + static_cast<int64_t>(d);
  }
  out = neg ? -v : v;
  return true;
}

// Mirrors a column type with what decoding needs at each level.
struct Plan {
  const Type* type = nullptr;
  bool used = true;            // false: only type-checked, never stored (projection pushdown)
  std::vector<Plan> children;  // ARRAY: element; MAP: value; STRUCT: fields
  StructMatcher matcher;       // STRUCT
  mutable std::vector<CachedKey> key_cache;  // STRUCT: by position in the JSON object

  void build(const Type& t) {
    type = &t;
    switch (t.id()) {
      case TypeId::kArray:
        children.resize(1);
        children[0].build(t.element());
        break;
      case TypeId::kMap:
        children.resize(1);
        children[0].build(t.value());
        break;
      case TypeId::kStruct:
        children.resize(t.fields().size());
        for (size_t i = 0; i < t.fields().size(); ++i) {
          children[i].build(t.fields()[i].type);
          matcher.names.push_back(t.fields()[i].name);
        }
        break;
      default:
        break;
    }
  }

  void project(const ColumnUse& use) {
    used = use.used;
    if (!use.fields.empty() && type->id() == TypeId::kStruct &&
        use.fields.size() == children.size()) {
      for (size_t i = 0; i < children.size(); ++i) children[i].project(use.fields[i]);
    }
  }
};

constexpr size_t kMaxCachedKeys = 64;

std::string_view trim_ws(std::string_view s) {
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

// Raw key text when it has no escapes (the common case), so no copy is needed.
bool raw_key(od::field& f, std::string_view& out) {
  const char* p = f.key().raw();
  const char* q = p;
  while (*q != '"') {
    if (*q == '\\') return false;
    ++q;
  }
  out = std::string_view(p, static_cast<size_t>(q - p));
  return true;
}

// raw_json_token() is infallible on values and fallible on documents.
simdjson::error_code token_of(od::value& v, std::string_view& out) {
  out = v.raw_json_token();
  return simdjson::SUCCESS;
}
simdjson::error_code token_of(od::document& d, std::string_view& out) {
  return d.raw_json_token().get(out);
}

template <typename T>
T saturate(double d) {
  if (std::isnan(d)) return 0;
  if (d >= static_cast<double>(std::numeric_limits<T>::max())) {
    return std::numeric_limits<T>::max();
  }
  if (d <= static_cast<double>(std::numeric_limits<T>::min())) {
    return std::numeric_limits<T>::min();
  }
  return static_cast<T>(d);
}

class JsonDecoder final : public Decoder {
 public:
  JsonDecoder(std::vector<Column> columns, Side side, bool wrapped)
      : columns_(std::move(columns)), side_(side), wrapped_(wrapped) {
    std::vector<Field> fields;
    for (const auto& c : columns_) fields.push_back({c.name, c.type});
    top_type_ = Type::struct_(std::move(fields));
    top_.build(top_type_);
  }

  void set_projection(const std::vector<ColumnUse>& uses) override {
    if (!wrapped_ || uses.size() != top_.children.size()) return;
    for (size_t i = 0; i < uses.size(); ++i) top_.children[i].project(uses[i]);
  }

  void decode(std::span<const RecordBytes> records, ColumnBatch& batch, size_t first_row,
              std::span<const uint32_t> columns, DecodeErrors& errors) override {
    outs_.clear();
    for (uint32_t c : columns) outs_.push_back(&batch.column(c));
    uint8_t* null_flags = side_ == Side::kKey ? batch.key_null() : batch.value_null();
    // Every record of the call is copied once, padded, into one arena that the batch retains:
    // strings without escapes are then views into it instead of copies.
    // Padded records are parsed in place.
    size_t need = 0;
    for (const RecordBytes& rec : records) {
      if (!rec.null && !rec.padded) need += rec.size + simdjson::SIMDJSON_PADDING;
    }
    if (!arena_ || arena_.use_count() > 1 || arena_->size() < need) {
      arena_ = std::make_shared<std::vector<char>>(std::max(need, arena_ ? arena_->size() : 0));
    }
    if (need > 0) batch.retain(arena_);
    char* at = arena_->data();
    for (size_t i = 0; i < records.size(); ++i) {
      size_t row = first_row + i;
      const RecordBytes& rec = records[i];
      null_flags[row] = 0;
      if (rec.null) {
        null_flags[row] = 1;
        set_all_null(row);
        continue;
      }
      err_.clear();
      const char* buf;
      if (rec.padded) {
        buf = reinterpret_cast<const char*>(rec.data);
      } else {
        if (rec.size) std::memcpy(at, rec.data, rec.size);
        std::memset(at + rec.size, 0, simdjson::SIMDJSON_PADDING);
        buf = at;
        at += rec.size + simdjson::SIMDJSON_PADDING;
      }
      if (!decode_record(rec, buf, row, null_flags)) {
        errors.add(static_cast<uint32_t>(row),
                   fmt::format("Failed to deserialise {}: {}", side_name(side_), err_));
      }
    }
  }

 private:
  void set_all_null(size_t row) {
    for (Vector* v : outs_) set_null_deep(*v, row);
  }
  // set_null_deep of what the plan stores.
  static void set_null_used(Vector& v, const Plan& plan, size_t row) {
    if (!plan.used) return;
    v.set_null(row);
    if (v.type().id() == TypeId::kStruct) {
      for (size_t k = 0; k < v.num_children(); ++k)
        set_null_used(v.child(k), plan.children[k], row);
    } else if (v.type().is_nested()) {
      v.set_list_entry(row, {0, 0});
    }
  }
  static void set_null_deep(Vector& v, size_t row) {
    v.set_null(row);
    if (v.type().id() == TypeId::kStruct) {
      for (size_t k = 0; k < v.num_children(); ++k) set_null_deep(v.child(k), row);
    } else if (v.type().is_nested()) {
      v.set_list_entry(row, {0, 0});
    }
  }

  // `buf` holds the record followed by SIMDJSON_PADDING readable bytes.
  bool decode_record(const RecordBytes& rec, const char* buf, size_t row, uint8_t* null_flags) {
    od::document doc;
    doc_begin_ = buf;
    doc_size_ = rec.size;
    bool ok = decode_document(doc, rec, buf, row, null_flags);
    doc_ = nullptr;
    return ok;
  }

  bool decode_document(od::document& doc, const RecordBytes& rec, const char* buf, size_t row,
                       uint8_t* null_flags) {
    doc_end_ = buf + rec.size + simdjson::SIMDJSON_PADDING;
    auto ec = parser_.iterate(buf, rec.size, rec.size + simdjson::SIMDJSON_PADDING).get(doc);
    if (ec) return fail_json(ec);
    doc_ = &doc;  // a document that can say where it stopped
    od::json_type jt;
    if ((ec = doc.type().get(jt))) return fail_json(ec);
    if (jt == od::json_type::null) {
      bool is_null = false;
      if ((ec = doc.is_null().get(is_null)) || !is_null) return fail_json(ec);
      // A JSON null value is a null row (a tombstone for tables), like a null record.
      if (side_ == Side::kValue || wrapped_) null_flags[row] = 1;
      set_all_null(row);
      return true;
    }
    if (wrapped_) {
      if (jt != od::json_type::object) {
        std::string_view whole = trim_ws(rec.view());
        whole.remove_prefix(std::min(whole.size(), whole.find_first_not_of(" \t\r\n")));
        err_ = fmt::format("expected a JSON object, got {}", snippet(whole));
        return false;
      }
      od::object obj;
      if ((ec = doc.get_object().get(obj))) return fail_json(ec);
      if (!decode_struct_fields(obj, top_, outs_.data(), row)) return false;
    } else {
      if (outs_.empty()) return true;  // keyless: nothing to read
      if (jt == od::json_type::object || jt == od::json_type::array) {
        if (!decode_value(doc, top_.children[0], *outs_[0], row)) {
          prepend_path(columns_[0].name);
          return false;
        }
      } else {
        // A scalar document: make sure nothing follows the token.
        std::string_view tok;
        if ((ec = token_of(doc, tok))) return fail_json(ec);
        std::string_view whole = trim_ws(rec.view());
        size_t lead = whole.find_first_not_of(" \t\r\n");
        if (lead == std::string_view::npos || whole.substr(lead) != trim_ws(tok)) {
          err_ = "invalid JSON: trailing content after the value";
          return false;
        }
        if (!decode_value(doc, top_.children[0], *outs_[0], row)) {
          prepend_path(columns_[0].name);
          return false;
        }
        return true;
      }
    }
    const char* loc = nullptr;
    if (auto ec = doc.current_location().get(loc); ec != simdjson::OUT_OF_BOUNDS) {
      err_ =
          ec == simdjson::SUCCESS && loc >= buf && loc <= buf + rec.size
              ? fmt::format("invalid JSON at byte {}: trailing content after the value", loc - buf)
              : "invalid JSON: trailing content after the value";
      return false;
    }
    return true;
  }

  // The record is not JSON: what simdjson found, and where (the byte offset in the record where
  // parsing stopped) when it knows.
  bool fail_json(simdjson::error_code ec) {
    std::string_view what =
        ec == simdjson::SUCCESS ? "unexpected token" : simdjson::error_message(ec);
    const char* loc = nullptr;
    if (doc_ && !doc_->current_location().get(loc) && loc >= doc_begin_ &&
        loc <= doc_begin_ + doc_size_) {
      err_ = fmt::format("invalid JSON at byte {}: {}", loc - doc_begin_, what);
    } else {
      err_ = fmt::format("invalid JSON: {}", what);
    }
    return false;
  }

  static std::string snippet(std::string_view tok) {
    if (tok.size() > 40) return fmt::format("{}...", tok.substr(0, 40));
    return std::string(tok);
  }

  void prepend_path(std::string_view part) {
    if (err_.rfind("field ", 0) == 0) {
      std::string rest = err_.substr(6);
      if (!rest.empty() && rest[0] == '[') {
        err_ = fmt::format("field {}{}", part, rest);
      } else {
        err_ = fmt::format("field {}.{}", part, rest);
      }
    } else {
      err_ = fmt::format("field {}: {}", part, err_);
    }
  }

  template <typename V>
  bool type_error(V& val, const Type& t) {
    std::string_view tok;
    od::json_type jt;
    if (!val.type().get(jt) && (jt == od::json_type::object || jt == od::json_type::array)) {
      if (simdjson::to_json_string(val).get(tok)) tok = "?";
    } else if (token_of(val, tok)) {
      tok = "?";
    }
    err_ = fmt::format("expected {}, got {}", t.to_string(), snippet(trim_ws(tok)));
    return false;
  }

  // The plan's field that the key of `f`, found at position `pos` of its object, names (-1:
  // none), and whether it names it exactly; false on invalid JSON.
  [[gnu::always_inline]] bool resolve_field(od::field& f, const Plan& plan, size_t pos, size_t hint,
                                            int& idx, bool& exact) {
    const char* raw = f.key().raw();
    if (pos < plan.key_cache.size() && plan.key_cache[pos].matches_raw(raw, doc_end_)) {
      // Same key as last time at this position: no scan for its end, no lookup.
      idx = plan.key_cache[pos].index;
      exact = plan.key_cache[pos].exact;
      return true;
    }
    std::string_view key;
    bool escaped = !raw_key(f, key);
    if (escaped) {
      if (auto ec = f.unescaped_key().get(key)) return fail_json(ec);
      key_scratch_.assign(key);
      key = key_scratch_;
    }
    idx = plan.matcher.exact(key, hint);
    exact = idx >= 0;
    if (!exact) idx = plan.matcher.upper(key);
    if (pos < kMaxCachedKeys && !escaped) {
      if (plan.key_cache.size() <= pos) plan.key_cache.resize(pos + 1);
      plan.key_cache[pos] = CachedKey::make(key, idx, exact);
    }
    return true;
  }

  // Fields of a JSON object into the struct plan's vectors at `row` (outs[k] is field k).
  bool decode_struct_fields(od::object& obj, const Plan& plan, Vector* const* outs, size_t row) {
    size_t n = plan.children.size();
    uint8_t small[64];
    std::vector<uint8_t> big;
    uint8_t* state = small;  // 0 unseen, 1 matched case-insensitively, 2 matched exactly
    if (n > sizeof(small)) {
      big.resize(n);
      state = big.data();
    }
    std::memset(state, 0, n);
    size_t hint = 0;
    size_t position = 0;
    for (auto fr : obj) {
      auto ec = fr.error();
      if (ec) return fail_json(ec);
      od::field& f = fr.value_unsafe();  // no copy: simdjson values are costly to copy
      int idx;
      bool exact;
      if (!resolve_field(f, plan, position++, hint, idx, exact)) return false;
      if (idx < 0 || (!exact && state[idx] == 2)) continue;
      hint = static_cast<size_t>(idx) + 1;
      state[idx] = exact ? 2 : 1;
      od::value& v = f.value();
      const Plan& child = plan.children[static_cast<size_t>(idx)];
      if (!(child.used ? decode_value(v, child, *outs[idx], row) : check_value(v, child))) {
        prepend_path(plan.matcher.names[static_cast<size_t>(idx)]);
        return false;
      }
    }
    for (size_t k = 0; k < n; ++k) {
      if (!state[k]) set_null_used(*outs[k], plan.children[k], row);
    }
    return true;
  }

  // decode_value's checks without storing anything: fails exactly where decode_value would.
  template <typename V>
  bool check_value(V& val, const Plan& plan) {
    od::json_type jt;
    auto ec = val.type().get(jt);
    if (ec) return fail_json(ec);
    if (jt == od::json_type::null) return true;
    const Type& t = *plan.type;
    switch (t.id()) {
      case TypeId::kBoolean:
        if (jt != od::json_type::boolean) return type_error(val, t);
        return true;
      case TypeId::kInteger:
      case TypeId::kDate:
      case TypeId::kTime:
      case TypeId::kBigint:
      case TypeId::kTimestamp: {
        int64_t v;
        return integer_of(val, jt, t, v);
      }
      case TypeId::kString:
        if (jt == od::json_type::object || jt == od::json_type::array) {
          Vector tmp(Type::string(), 1);
          return decode_string(val, jt, tmp, 0);
        }
        return true;  // strings, numbers and booleans all read as STRING
      case TypeId::kStruct: {
        if (jt != od::json_type::object) return type_error(val, t);
        od::object obj;
        if ((ec = val.get_object().get(obj))) return fail_json(ec);
        // Every field unused: look at each matched field's value.
        uint8_t small[64];
        std::vector<uint8_t> big;
        size_t n = plan.children.size();
        uint8_t* state = small;
        if (n > sizeof(small)) {
          big.resize(n);
          state = big.data();
        }
        std::memset(state, 0, n);
        size_t position = 0;
        for (auto fr : obj) {
          if ((ec = fr.error())) return fail_json(ec);
          od::field& f = fr.value_unsafe();
          int idx;
          bool exact;
          if (!resolve_field(f, plan, position, position, idx, exact)) return false;
          ++position;
          if (idx < 0 || (!exact && state[idx] == 2)) continue;
          state[idx] = exact ? 2 : 1;
          od::value& v = f.value();
          if (!check_value(v, plan.children[static_cast<size_t>(idx)])) {
            prepend_path(plan.matcher.names[static_cast<size_t>(idx)]);
            return false;
          }
        }
        return true;
      }
      default: {
        // Rarely unused and costly to check apart: decode into a scratch vector.
        Vector tmp(t, 1);
        return decode_value(val, plan, tmp, 0);
      }
    }
  }

  template <typename V>
  bool decode_value(V& val, const Plan& plan, Vector& out, size_t row) {
    od::json_type jt;
    auto ec = val.type().get(jt);
    if (ec) return fail_json(ec);
    if (jt == od::json_type::null) {
      set_null_deep(out, row);
      return true;
    }
    out.set_valid(row);
    const Type& t = *plan.type;
    switch (t.id()) {
      case TypeId::kBoolean: {
        if (jt != od::json_type::boolean) return type_error(val, t);
        bool b = false;
        if ((ec = val.get_bool().get(b))) return fail_json(ec);
        out.set<uint8_t>(row, b ? 1 : 0);
        return true;
      }
      case TypeId::kInteger:
      case TypeId::kDate:
      case TypeId::kTime: {
        int64_t v;
        if (!integer_of(val, jt, t, v)) return false;
        out.set<int32_t>(row, static_cast<int32_t>(v));
        return true;
      }
      case TypeId::kBigint:
      case TypeId::kTimestamp: {
        int64_t v;
        if (!integer_of(val, jt, t, v)) return false;
        out.set<int64_t>(row, v);
        return true;
      }
      case TypeId::kDouble: {
        std::string_view text;
        if (jt == od::json_type::number) {
          if ((ec = token_of(val, text))) return fail_json(ec);
          text = trim_ws(text);
        } else if (jt == od::json_type::string) {
          if ((ec = val.get_string().get(text))) return fail_json(ec);
        } else {
          return type_error(val, t);
        }
        auto d = parse_double(text);
        if (!d) {
          err_ = fmt::format("expected DOUBLE, got \"{}\"", snippet(text));
          return false;
        }
        out.set<double>(row, *d);
        return true;
      }
      case TypeId::kDecimal: {
        std::string_view text;
        if (jt == od::json_type::number) {
          if ((ec = token_of(val, text))) return fail_json(ec);
          text = trim_ws(text);
        } else if (jt == od::json_type::string) {
          if ((ec = val.get_string().get(text))) return fail_json(ec);
        } else {
          return type_error(val, t);
        }
        auto d = parse_decimal_exact(text, t.precision(), t.scale());
        if (!d.is_ok()) {
          err_ = d.status().message();
          return false;
        }
        out.set<Int128>(row, *d);
        return true;
      }
      case TypeId::kString:
        return decode_string(val, jt, out, row);
      case TypeId::kBytes: {
        if (jt != od::json_type::string) return type_error(val, t);
        std::string_view text;
        if ((ec = val.get_string().get(text))) return fail_json(ec);
        bytes_scratch_.clear();
        if (!decode_base64(text, bytes_scratch_)) {
          err_ = fmt::format("expected BYTES (Base64), got \"{}\"", snippet(text));
          return false;
        }
        out.set_string(row, bytes_scratch_);
        return true;
      }
      case TypeId::kArray: {
        if (jt != od::json_type::array) return type_error(val, t);
        od::array arr;
        if ((ec = val.get_array().get(arr))) return fail_json(ec);
        Vector& child = out.child(0);
        uint32_t start = out.list_size();
        uint32_t n = 0;
        for (auto er : arr) {
          od::value ev;
          // NOLINTNEXTLINE(performance-move-const-arg): simdjson_result::get is &&-qualified.
          if ((ec = std::move(er).get(ev))) return fail_json(ec);
          uint32_t slot = out.append_list_slots(1);
          if (!decode_value(ev, plan.children[0], child, slot)) {
            if (err_.rfind("field ", 0) == 0) {
              std::string rest = err_.substr(6);
              err_ = fmt::format("field [{}]{}{}", n, rest[0] == '[' ? "" : ".", rest);
            } else {
              err_ = fmt::format("field [{}]: {}", n, err_);
            }
            return false;
          }
          ++n;
        }
        out.set_list_entry(row, {start, n});
        return true;
      }
      case TypeId::kMap: {
        if (jt != od::json_type::object) return type_error(val, t);
        od::object obj;
        if ((ec = val.get_object().get(obj))) return fail_json(ec);
        uint32_t start = out.list_size();
        uint32_t n = 0;
        for (auto fr : obj) {
          if ((ec = fr.error())) return fail_json(ec);
          od::field& f = fr.value_unsafe();
          std::string_view key;
          if (!raw_key(f, key)) {
            if ((ec = f.unescaped_key().get(key))) return fail_json(ec);
          }
          uint32_t slot = out.append_list_slots(1);
          Vector& keys = out.child(0);
          keys.set_valid(slot);
          keys.set_string(slot, key);
          od::value& v = f.value();
          if (!decode_value(v, plan.children[0], out.child(1), slot)) {
            prepend_path(key);
            return false;
          }
          ++n;
        }
        out.set_list_entry(row, {start, n});
        return true;
      }
      case TypeId::kStruct: {
        if (jt != od::json_type::object) return type_error(val, t);
        od::object obj;
        if ((ec = val.get_object().get(obj))) return fail_json(ec);
        Vector* fields[64];
        std::vector<Vector*> many;
        Vector** fp = fields;
        if (out.num_children() > 64) {
          many.resize(out.num_children());
          fp = many.data();
        }
        for (size_t k = 0; k < out.num_children(); ++k) fp[k] = &out.child(k);
        return decode_struct_fields(obj, plan, fp, row);
      }
    }
    return false;
  }

  template <typename V>
  bool integer_of(V& val, od::json_type jt, const Type& t, int64_t& out) {
    std::string_view text;
    simdjson::error_code ec;
    if (jt == od::json_type::number) {
      if ((ec = token_of(val, text))) return fail_json(ec);
      text = trim_ws(text);
      if (fast_int(text, out)) {
        if (t.id() == TypeId::kInteger) out = static_cast<int32_t>(out);  // Java narrowing
        return true;
      }
      auto r = std::from_chars(text.data(), text.data() + text.size(), out);
      if (r.ec == std::errc() && r.ptr == text.data() + text.size()) {
        if (t.id() == TypeId::kInteger) out = static_cast<int32_t>(out);  // Java narrowing
        return true;
      }
      auto d = parse_double(text);
      if (!d) return type_error(val, t);
      out = t.id() == TypeId::kInteger ? saturate<int32_t>(*d) : saturate<int64_t>(*d);
      return true;
    }
    if (jt == od::json_type::string) {
      if ((ec = val.get_string().get(text))) return fail_json(ec);
      bool narrow =
          t.id() == TypeId::kInteger || t.id() == TypeId::kDate || t.id() == TypeId::kTime;
      if (narrow) {
        auto v = parse_int32(text);
        if (v) {
          out = *v;
          return true;
        }
      } else {
        auto v = parse_int64(text);
        if (v) {
          out = *v;
          return true;
        }
      }
      err_ = fmt::format("expected {}, got \"{}\"", t.to_string(), snippet(text));
      return false;
    }
    return type_error(val, t);
  }

  template <typename V>
  bool decode_string(V& val, od::json_type jt, Vector& out, size_t row) {
    simdjson::error_code ec;
    switch (jt) {
      case od::json_type::string: {
        // Without escapes the text is the token between its quotes, in the arena the batch
        // retains: a view, no copy.
        std::string_view tok;
        if (!token_of(val, tok)) {
          tok = trim_ws(tok);
          if (tok.size() >= 2 && tok.front() == '"' && tok.back() == '"' &&
              std::memchr(tok.data() + 1, '\\', tok.size() - 2) == nullptr) {
            out.set_string_unowned(row, tok.substr(1, tok.size() - 2));
            return true;
          }
        }
        std::string_view s;
        if ((ec = val.get_string().get(s))) return fail_json(ec);
        out.set_string(row, s);
        return true;
      }
      case od::json_type::number: {
        std::string_view s;
        if ((ec = token_of(val, s))) return fail_json(ec);
        out.set_string(row, trim_ws(s));
        return true;
      }
      case od::json_type::boolean: {
        bool b = false;
        if ((ec = val.get_bool().get(b))) return fail_json(ec);
        out.set_string(row, b ? "true" : "false");
        return true;
      }
      case od::json_type::object: {
        std::string_view raw;
        if ((ec = simdjson::to_json_string(val).get(raw))) return fail_json(ec);
        minified_.resize(raw.size());
        size_t len = 0;
        if (simdjson::minify(raw.data(), raw.size(), minified_.data(), len)) {
          err_ = "invalid JSON object";
          return false;
        }
        out.set_string(row, std::string_view(minified_.data(), len));
        return true;
      }
      case od::json_type::array: {
        // ksqlDB coerces each element to a string and joins them as "[a, b, null]".
        od::array arr;
        if ((ec = val.get_array().get(arr))) return fail_json(ec);
        std::string joined = "[";
        bool first = true;
        for (auto er : arr) {
          od::value ev;
          // NOLINTNEXTLINE(performance-move-const-arg): simdjson_result::get is &&-qualified.
          if ((ec = std::move(er).get(ev))) return fail_json(ec);
          if (!first) joined += ", ";
          first = false;
          od::json_type et;
          if ((ec = ev.type().get(et))) return fail_json(ec);
          if (et == od::json_type::null) {
            joined += "null";
            continue;
          }
          Vector tmp(Type::string(), 1);
          if (!decode_string(ev, et, tmp, 0)) return false;
          joined += tmp.get_string(0);
        }
        joined += ']';
        out.set_string(row, joined);
        return true;
      }
      default:
        return type_error(val, Type::string());
    }
  }

  std::vector<Column> columns_;
  Side side_;
  bool wrapped_;
  Type top_type_;
  Plan top_;
  od::parser parser_;
  // Padded copies of the records being decoded (those not padded already), kept by the batch.
  std::shared_ptr<std::vector<char>> arena_;
  const char* doc_end_ = nullptr;  // end of the readable bytes of the record being decoded
  // The record being decoded, for error positions (doc_ is set inside decode_record once the
  // record was indexed, nullptr otherwise).
  const char* doc_begin_ = nullptr;
  size_t doc_size_ = 0;
  od::document* doc_ = nullptr;
  std::vector<Vector*> outs_;
  std::string err_;
  std::string key_scratch_;
  std::string bytes_scratch_;
  std::vector<char> minified_;
};

}  // namespace

std::unique_ptr<Decoder> make_decoder(std::vector<Column> columns, Side side, bool wrapped) {
  return std::make_unique<JsonDecoder>(std::move(columns), side, wrapped);
}

}  // namespace sluice::format::json_internal
