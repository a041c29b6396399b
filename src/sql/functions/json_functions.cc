// JSON-text functions: EXTRACTJSONFIELD with ksqlDB's JSONPath subset ($.a.b, $.a[0],
// $['a b']), IS_JSON_STRING, JSON_ARRAY_LENGTH. Values are sliced out of the text as they are
// written, so numbers keep their digits ("1.23450").
#include <nlohmann/json.hpp>

#include "sql/functions/builtins.h"
#include "sql/functions/kernel_util.h"

namespace sluice::sql {

using format::Type;
using format::Value;

namespace {

// A minimal JSON scanner over the raw text: enough to walk to a path and slice the value.
class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}

  void ws() {
    while (i_ < s_.size() &&
           (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) {
      ++i_;
    }
  }
  bool at(char c) {
    ws();
    return i_ < s_.size() && s_[i_] == c;
  }
  // Reads a string literal (at the opening quote), unescaping; false on malformed input.
  bool string(std::string& out) {
    if (!at('"')) return false;
    ++i_;
    out.clear();
    while (i_ < s_.size()) {
      char c = s_[i_++];
      if (c == '"') return true;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i_ >= s_.size()) return false;
      char e = s_[i_++];
      switch (e) {
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'u': {
          if (i_ + 4 > s_.size()) return false;
          unsigned cp =
              static_cast<unsigned>(std::stoul(std::string(s_.substr(i_, 4)), nullptr, 16));
          i_ += 4;
          if (cp < 0x80) {
            out += static_cast<char>(cp);
          } else if (cp < 0x800) {
            out += static_cast<char>(0xC0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3F));
          } else {
            out += static_cast<char>(0xE0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
          }
          break;
        }
        default:
          out += e;
      }
    }
    return false;
  }
  // Skips one value; false on malformed input.
  bool skip(int depth = 0) {
    if (depth > 500) return false;
    ws();
    if (i_ >= s_.size()) return false;
    char c = s_[i_];
    if (c == '"') {
      std::string tmp;
      return string(tmp);
    }
    if (c == '{' || c == '[') {
      char close = c == '{' ? '}' : ']';
      ++i_;
      if (at(close)) {
        ++i_;
        return true;
      }
      while (true) {
        if (c == '{') {
          std::string key;
          if (!string(key) || !at(':')) return false;
          ++i_;
        }
        if (!skip(depth + 1)) return false;
        if (at(',')) {
          ++i_;
          continue;
        }
        if (at(close)) {
          ++i_;
          return true;
        }
        return false;
      }
    }
    size_t start = i_;
    while (i_ < s_.size() && s_[i_] != ',' && s_[i_] != '}' && s_[i_] != ']' && s_[i_] != ' ' &&
           s_[i_] != '\n' && s_[i_] != '\t' && s_[i_] != '\r') {
      ++i_;
    }
    return i_ > start;
  }
  // Moves into the object member `key`; false when absent.
  bool member(const std::string& key) {
    if (!at('{')) return false;
    ++i_;
    if (at('}')) return false;
    while (true) {
      std::string k;
      if (!string(k) || !at(':')) return false;
      ++i_;
      if (k == key) {
        ws();
        return true;
      }
      if (!skip()) return false;
      if (!at(',')) return false;
      ++i_;
    }
  }
  bool element(int64_t index) {
    if (!at('[') || index < 0) return false;
    ++i_;
    if (at(']')) return false;
    for (int64_t k = 0;; ++k) {
      if (k == index) {
        ws();
        return true;
      }
      if (!skip()) return false;
      if (!at(',')) return false;
      ++i_;
    }
  }
  size_t pos() const { return i_; }
  std::string_view text() const { return s_; }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

struct PathStep {
  bool is_index = false;
  std::string key;
  int64_t index = 0;
};

std::optional<std::vector<PathStep>> parse_path(std::string_view p) {
  std::vector<PathStep> steps;
  if (p.empty() || p[0] != '$') return std::nullopt;
  size_t i = 1;
  while (i < p.size()) {
    if (p[i] == '.') {
      size_t j = i + 1;
      while (j < p.size() && p[j] != '.' && p[j] != '[') ++j;
      steps.push_back({false, std::string(p.substr(i + 1, j - i - 1)), 0});
      i = j;
    } else if (p[i] == '[') {
      size_t j = p.find(']', i);
      if (j == std::string_view::npos) return std::nullopt;
      std::string_view inner = p.substr(i + 1, j - i - 1);
      if (!inner.empty() && (inner[0] == '\'' || inner[0] == '"')) {
        steps.push_back({false, std::string(inner.substr(1, inner.size() - 2)), 0});
      } else {
        try {
          steps.push_back({true, "", std::stoll(std::string(inner))});
        } catch (...) {
          return std::nullopt;
        }
      }
      i = j + 1;
    } else {
      return std::nullopt;
    }
  }
  return steps;
}

std::optional<Value> extract_json_field(const std::string& json, const std::string& path) {
  auto steps = parse_path(path);
  if (!steps) return std::nullopt;
  Scanner sc(json);
  for (const PathStep& s : *steps) {
    bool ok = s.is_index ? sc.element(s.index) : sc.member(s.key);
    if (!ok) return Value::null(Type::string());
  }
  sc.ws();
  if (sc.at('"')) {
    std::string out;
    if (!sc.string(out)) return Value::null(Type::string());
    return Value::string(out);
  }
  size_t start = sc.pos();
  if (!sc.skip()) return Value::null(Type::string());
  std::string_view raw = sc.text().substr(start, sc.pos() - start);
  if (raw == "null") return Value::null(Type::string());
  if (raw[0] == '{' || raw[0] == '[') {
    auto parsed = nlohmann::json::parse(raw, nullptr, false);
    if (!parsed.is_discarded()) return Value::string(parsed.dump());
  }
  return Value::string(std::string(raw));
}

}  // namespace

void register_json_functions(FunctionRegistry& r) {
  // NOLINTNEXTLINE(readability-identifier-naming): type letters keep the signatures below short.
  const Type S = Type::string();
  r.add("EXTRACTJSONFIELD", {S, S}, S,
        boxed_kernel([](std::span<const Value> a, const BoundFunction&) {
          return extract_json_field(a[0].as_string(), a[1].as_string());
        }));
  r.add("IS_JSON_STRING", {S}, Type::boolean(),
        boxed_kernel(
            [](std::span<const Value> a, const BoundFunction&) -> std::optional<Value> {
              if (a[0].is_null()) return Value::boolean(false);
              return Value::boolean(
                  !nlohmann::json::parse(a[0].as_string(), nullptr, false).is_discarded());
            },
            false));
  r.add("JSON_ARRAY_LENGTH", {S}, Type::integer(),
        boxed_kernel([](std::span<const Value> a, const BoundFunction&) -> std::optional<Value> {
          auto j = nlohmann::json::parse(a[0].as_string(), nullptr, false);
          if (j.is_discarded() || !j.is_array()) return Value::null(Type::integer());
          return Value::integer(static_cast<int32_t>(j.size()));
        }));
}

}  // namespace sluice::sql
