#include "sql/functions/time_format.h"

#include <unicode/calendar.h>
#include <unicode/locid.h>
#include <unicode/parsepos.h>
#include <unicode/smpdtfmt.h>
#include <unicode/timezone.h>
#include <unicode/tzfmt.h>
#include <unicode/unistr.h>

#include <map>
#include <memory>
#include <tuple>
#include <utility>
#include <vector>

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

// The pattern's zone-name letters are all short ones: 'z' repeated at most three times.
bool only_short_zone_names(std::string_view pattern) {
  bool quoted = false, any = false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '\'') {
      quoted = !quoted;
      continue;
    }
    if (quoted) continue;
    if (c == 'v') return false;
    if (c != 'z') continue;
    size_t n = 0;
    while (i + n < pattern.size() && pattern[i + n] == 'z') ++n;
    if (n > 3) return false;
    any = true;
    i += n - 1;
  }
  return any;
}

std::string short_zone_name(const icu::TimeZone& tz, const icu::Locale* names_locale, UDate at) {
  UErrorCode st = U_ZERO_ERROR;
  icu::SimpleDateFormat f(icu::UnicodeString("z"), icu::Locale::getUS(), st);
  if (U_FAILURE(st)) return "";
  f.setTimeZone(tz);
  if (names_locale) {
    icu::TimeZoneFormat* tzf = icu::TimeZoneFormat::createInstance(*names_locale, st);
    if (U_FAILURE(st) || !tzf) return "";
    f.adoptTimeZoneFormat(tzf);
  }
  icu::UnicodeString out;
  f.format(at, out);
  std::string s;
  out.toUTF8String(s);
  return s;
}

bool is_abbreviation(const std::string& s) {
  if (s.size() < 2 || s.size() > 5) return false;
  for (char c : s) {
    if (c < 'A' || c > 'Z') return false;
  }
  return true;
}

// Java (Locale.US) writes a short zone name such as CEST or JST for most zones, from its legacy
// name tables where CLDR's English has none; ICU's en_US falls back to "GMT+2". Where it does,
// the names of the zone's region are used instead -- English for the region, Europe's English,
// then the region's own language -- when they give an abbreviation in winter and in summer.
// Returns nullptr to keep en_US.
icu::TimeZoneFormat* java_like_zone_names(const icu::TimeZone& tz) {
  constexpr UDate kJan = 1577836800000.0, kJul = 1593561600000.0;  // 2020-01-01, 2020-07-01
  auto gmt_like = [](const std::string& n) {
    return n.rfind("GMT+", 0) == 0 || n.rfind("GMT-", 0) == 0 || n.rfind("UTC+", 0) == 0 ||
           n.rfind("UTC-", 0) == 0;
  };
  if (!gmt_like(short_zone_name(tz, nullptr, kJan)) &&
      !gmt_like(short_zone_name(tz, nullptr, kJul))) {
    return nullptr;
  }
  icu::UnicodeString id;
  tz.getID(id);
  char region[8] = {0};
  UErrorCode st = U_ZERO_ERROR;
  icu::TimeZone::getRegion(id, region, sizeof(region), st);
  if (U_FAILURE(st)) return nullptr;
  std::vector<icu::Locale> candidates = {icu::Locale("en", region), icu::Locale("en_150")};
  icu::Locale native(("und_" + std::string(region)).c_str());
  UErrorCode st2 = U_ZERO_ERROR;
  native.addLikelySubtags(st2);
  if (U_SUCCESS(st2)) candidates.push_back(native);
  for (const icu::Locale& loc : candidates) {
    if (is_abbreviation(short_zone_name(tz, &loc, kJan)) &&
        is_abbreviation(short_zone_name(tz, &loc, kJul))) {
      UErrorCode st3 = U_ZERO_ERROR;
      icu::TimeZoneFormat* tzf = icu::TimeZoneFormat::createInstance(loc, st3);
      if (U_SUCCESS(st3)) return tzf;
      delete tzf;
    }
  }
  return nullptr;
}

// One formatter per (pattern, zone, use) per thread: SimpleDateFormat is not thread-safe.
// Formatting may take Java-like short zone names (java_like_zone_names); parsing keeps en_US.
icu::SimpleDateFormat* formatter(std::string_view pattern, std::string_view zone,
                                 bool formatting = false) {
  thread_local std::map<std::tuple<std::string, std::string, bool>,
                        std::unique_ptr<icu::SimpleDateFormat>>
      cache;
  auto key = std::make_tuple(std::string(pattern), std::string(zone), formatting);
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
  if (formatting && only_short_zone_names(pattern)) {
    if (icu::TimeZoneFormat* names = java_like_zone_names(*tz)) f->adoptTimeZoneFormat(names);
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

// ICU's dates reach years far beyond a BIGINT of milliseconds: those do not parse.
std::optional<int64_t> to_millis(UDate d) {
  if (!(d > -9.2233720368547758e18 && d < 9.2233720368547758e18)) return std::nullopt;
  return static_cast<int64_t>(d);
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
  icu::SimpleDateFormat* f = formatter(pattern, zone, true);
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
    return to_millis(d);
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
  return to_millis(d);
}

}  // namespace sluice::sql
