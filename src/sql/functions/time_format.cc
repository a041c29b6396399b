#include "sql/functions/time_format.h"

#include <unicode/calendar.h>
#include <unicode/locid.h>
#include <unicode/parsepos.h>
#include <unicode/smpdtfmt.h>
#include <unicode/timezone.h>
#include <unicode/unistr.h>

#include <map>
#include <memory>
#include <utility>

namespace sluice::sql {

namespace {

icu::UnicodeString ustr(std::string_view s) {
  return icu::UnicodeString::fromUTF8(icu::StringPiece(s.data(), static_cast<int32_t>(s.size())));
}

std::unique_ptr<icu::TimeZone> make_zone(std::string_view zone) {
  std::unique_ptr<icu::TimeZone> tz(icu::TimeZone::createTimeZone(ustr(zone)));
  icu::UnicodeString id;
  tz->getID(id);
  if (id == icu::UnicodeString("Etc/Unknown") && zone != "Etc/Unknown") return nullptr;
  return tz;
}

// java.time's DateTimeFormatter.ofPattern rejects ASCII letters it does not define ("Unknown
// pattern letter"), where ICU would quietly format them as nothing; so does ksqlDB.
bool java_pattern_letters_ok(std::string_view pattern) {
  static constexpr std::string_view kLetters = "GuyDMLdQqYwWEecFaBhKkHmsSAnNVvzOXxZpg";
  bool quoted = false;
  for (char c : pattern) {
    if (c == '\'') {
      quoted = !quoted;
    } else if (!quoted && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) &&
               kLetters.find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

// One formatter per (pattern, zone) per thread: SimpleDateFormat is not thread-safe.
icu::SimpleDateFormat* formatter(std::string_view pattern, std::string_view zone) {
  thread_local std::map<std::pair<std::string, std::string>, std::unique_ptr<icu::SimpleDateFormat>>
      cache;
  auto key = std::make_pair(std::string(pattern), std::string(zone));
  auto it = cache.find(key);
  if (it != cache.end()) return it->second.get();
  if (cache.size() > 256) cache.clear();
  if (!java_pattern_letters_ok(pattern)) {
    cache[key] = nullptr;
    return nullptr;
  }
  UErrorCode status = U_ZERO_ERROR;
  auto f = std::make_unique<icu::SimpleDateFormat>(ustr(pattern), icu::Locale::getUS(), status);
  if (U_FAILURE(status)) {
    cache[key] = nullptr;
    return nullptr;
  }
  auto tz = make_zone(zone);
  if (!tz) {
    cache[key] = nullptr;
    return nullptr;
  }
  f->adoptTimeZone(tz.release());
  f->setLenient(false);
  // Two-digit years parse into 2000-2099 like java.time's 'yy'.
  UErrorCode st2 = U_ZERO_ERROR;
  f->set2DigitYearStart(946684800000.0, st2);
  icu::SimpleDateFormat* raw = f.get();
  cache[key] = std::move(f);
  return raw;
}

// The pattern has a zone-name letter (z: "PST", v: "PT") outside quotes.
bool has_zone_name(std::string_view pattern) {
  bool quoted = false;
  for (char c : pattern) {
    if (c == '\'') {
      quoted = !quoted;
    } else if (!quoted && (c == 'z' || c == 'v')) {
      return true;
    }
  }
  return false;
}

}  // namespace

bool is_valid_zone(std::string_view zone) {
  return make_zone(zone) != nullptr;
}

std::optional<std::string> format_timestamp(int64_t ms, std::string_view pattern,
                                            std::string_view zone) {
  icu::SimpleDateFormat* f = formatter(pattern, zone);
  if (!f) return std::nullopt;
  icu::UnicodeString out;
  f->format(static_cast<UDate>(ms), out);
  std::string s;
  out.toUTF8String(s);
  return s;
}

std::optional<int64_t> parse_timestamp(std::string_view text, std::string_view pattern,
                                       std::string_view zone, bool allow_trailing) {
  icu::SimpleDateFormat* f = formatter(pattern, zone);
  if (!f) return std::nullopt;
  icu::UnicodeString in = ustr(text);
  icu::ParsePosition pos(0);
  if (!has_zone_name(pattern)) {
    UDate d = f->parse(in, pos);
    if (pos.getErrorIndex() >= 0 || pos.getIndex() == 0) return std::nullopt;
    if (!allow_trailing && pos.getIndex() != in.length()) return std::nullopt;
    return static_cast<int64_t>(d);
  }
  // A zone name ("PST") stands for its zone, whose rules then place the local time, as java.time
  // resolves it: "2018-05-11 21:58:33 PST" is 21:58:33 in Los Angeles, which is PDT in May. ICU
  // would fix the offset to the named one (standard time), so the offsets it parsed are dropped.
  std::unique_ptr<icu::Calendar> cal(f->getCalendar()->clone());
  cal->clear();
  f->parse(in, *cal, pos);
  if (pos.getErrorIndex() >= 0 || pos.getIndex() == 0) return std::nullopt;
  if (!allow_trailing && pos.getIndex() != in.length()) return std::nullopt;
  cal->clear(UCAL_ZONE_OFFSET);
  cal->clear(UCAL_DST_OFFSET);
  UErrorCode status = U_ZERO_ERROR;
  UDate d = cal->getTime(status);
  if (U_FAILURE(status)) return std::nullopt;
  return static_cast<int64_t>(d);
}

}  // namespace sluice::sql
