// Regular-expression functions. Patterns use Java's syntax, which ICU's regex engine shares
// (character classes, groups, quantifiers, $n in replacements).
#include <unicode/regex.h>
#include <unicode/unistr.h>

#include <map>
#include <memory>

#include "sql/functions/builtins.h"
#include "sql/functions/kernel_util.h"

namespace sluice::sql {

using format::Type;
using format::Value;

namespace {

icu::UnicodeString ustr(const std::string& s) {
  return icu::UnicodeString::fromUTF8(icu::StringPiece(s.data(), static_cast<int32_t>(s.size())));
}

std::string utf8(const icu::UnicodeString& u) {
  std::string s;
  u.toUTF8String(s);
  return s;
}

// A matcher per pattern per thread (RegexMatcher is not thread-safe); nullptr when the pattern
// does not compile.
icu::RegexMatcher* matcher(const std::string& pattern) {
  thread_local std::map<std::string, std::unique_ptr<icu::RegexMatcher>> cache;
  auto it = cache.find(pattern);
  if (it != cache.end()) return it->second.get();
  if (cache.size() > 256) cache.clear();
  UErrorCode status = U_ZERO_ERROR;
  auto m = std::make_unique<icu::RegexMatcher>(ustr(pattern), 0, status);
  if (U_FAILURE(status)) m.reset();
  icu::RegexMatcher* raw = m.get();
  cache[pattern] = std::move(m);
  return raw;
}

std::optional<Value> extract(std::span<const Value> a, bool all) {
  icu::RegexMatcher* m = matcher(a[0].as_string());
  if (!m) return std::nullopt;
  int32_t group = a.size() > 2 ? a[2].as_int() : 0;
  if (group < 0 || group > m->groupCount()) return std::nullopt;
  icu::UnicodeString input = ustr(a[1].as_string());
  m->reset(input);
  UErrorCode status = U_ZERO_ERROR;
  if (!all) {
    if (!m->find()) return Value::null(Type::string());
    return Value::string(utf8(m->group(group, status)));
  }
  std::vector<Value> out;
  while (m->find()) out.push_back(Value::string(utf8(m->group(group, status))));
  return Value::array(Type::string(), std::move(out));
}

}  // namespace

void register_regex_functions(FunctionRegistry& r) {
  // NOLINTNEXTLINE(readability-identifier-naming): type letters keep the signatures below short.
  const Type S = Type::string(), I = Type::integer();
  auto extract_one = boxed_kernel(
      [](std::span<const Value> a, const BoundFunction&) { return extract(a, false); });
  auto extract_all =
      boxed_kernel([](std::span<const Value> a, const BoundFunction&) { return extract(a, true); });
  r.add("REGEXP_EXTRACT", {S, S}, S, extract_one);
  r.add("REGEXP_EXTRACT", {S, S, I}, S, extract_one);
  r.add("REGEXP_EXTRACT_ALL", {S, S}, Type::array(S), extract_all);
  r.add("REGEXP_EXTRACT_ALL", {S, S, I}, Type::array(S), extract_all);
  r.add("REGEXP_REPLACE", {S, S, S}, S,
        boxed_kernel([](std::span<const Value> a, const BoundFunction&) -> std::optional<Value> {
          icu::RegexMatcher* m = matcher(a[1].as_string());
          if (!m) return std::nullopt;
          icu::UnicodeString input = ustr(a[0].as_string());
          m->reset(input);
          UErrorCode status = U_ZERO_ERROR;
          icu::UnicodeString out = m->replaceAll(ustr(a[2].as_string()), status);
          if (U_FAILURE(status)) return std::nullopt;
          return Value::string(utf8(out));
        }));
  r.add("REGEXP_SPLIT_TO_ARRAY", {S, S}, Type::array(S),
        boxed_kernel([](std::span<const Value> a, const BoundFunction&) -> std::optional<Value> {
          icu::RegexMatcher* m = matcher(a[1].as_string());
          if (!m) return std::nullopt;
          icu::UnicodeString input = ustr(a[0].as_string());
          m->reset(input);
          std::vector<Value> parts;
          int32_t last = 0;
          UErrorCode status = U_ZERO_ERROR;
          while (m->find()) {
            int32_t start = m->start(status), end = m->end(status);
            if (end == 0) continue;  // Java: no empty leading piece for a zero-width match
            parts.push_back(Value::string(utf8(input.tempSubStringBetween(last, start))));
            last = end;
          }
          parts.push_back(Value::string(utf8(input.tempSubStringBetween(last, input.length()))));
          return Value::array(Type::string(), std::move(parts));
        }));
}

}  // namespace sluice::sql
