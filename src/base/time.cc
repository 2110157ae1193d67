#include "base/time.h"

#include <cctype>
#include <charconv>
#include <cmath>

#include <date/date.h>
#include <date/tz.h>

namespace weir {

namespace {

using std::chrono::days;
using std::chrono::duration_cast;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

const date::time_zone* Utc() {
  static const date::time_zone* utc = date::locate_zone("UTC");
  return utc;
}

bool ConsumeInt(std::string_view& s, size_t digits, int& out) {
  if (s.size() < digits) return false;
  int v = 0;
  for (size_t i = 0; i < digits; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  s.remove_prefix(digits);
  return true;
}

std::string OffsetText(seconds off, bool colon) {
  char sign = off < seconds{0} ? '-' : '+';
  auto total = std::abs(off.count());
  return fmt::format("{}{:02}{}{:02}", sign, total / 3600, colon ? ":" : "", (total / 60) % 60);
}

// "YYYY-MM-DDTHH:MM:SS" of whole seconds since the epoch. By arithmetic rather than
// date::format: that builds an ostringstream and imbues a locale per call, a quarter of the
// API's DAG list time (it formats some 1,300 times per answer) and of preparing a try.
std::string CivilText(date::sys_seconds secs) {
  auto day = date::floor<date::days>(secs);
  date::year_month_day ymd{day};
  int year = static_cast<int>(ymd.year());
  if (year < 0 || year > 9999) return date::format("%Y-%m-%dT%H:%M:%S", secs);
  auto of_day = (secs - day).count();
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", year,
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     of_day / 3600, of_day / 60 % 60, of_day % 60);
}

}  // namespace

int64_t ToMicros(Time t) { return t.time_since_epoch().count(); }
Time FromMicros(int64_t micros) { return Time{Micros{micros}}; }

std::string FormatIso(Time t) {
  auto secs = std::chrono::floor<seconds>(t);
  auto frac = (t - secs).count();
  std::string out = CivilText(secs);
  if (frac != 0) out += fmt::format(".{:06}", frac);
  out += "Z";
  return out;
}

std::string FormatIsoOffset(Time t, const date::time_zone* zone) {
  if (zone == nullptr) zone = Utc();
  auto secs = std::chrono::floor<seconds>(t);
  auto info = zone->get_info(secs);
  return CivilText(secs + info.offset) + OffsetText(info.offset, true);
}

std::string FormatDate(Time t, const date::time_zone* zone) {
  return FormatTime(t, "%Y-%m-%d", zone);
}

std::string FormatTime(Time t, std::string_view format, const date::time_zone* zone) {
  if (zone == nullptr) zone = Utc();
  auto secs = std::chrono::floor<seconds>(t);
  auto info = zone->get_info(secs);
  auto local = date::local_seconds{(secs + info.offset).time_since_epoch()};
  auto micros = (t - secs).count();
  // Expand the specifiers date::format does not know or formats differently (%f, %z, %Z)
  // first, then hand the rest to date::format.
  std::string pattern;
  pattern.reserve(format.size());
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] == '%' && i + 1 < format.size()) {
      char c = format[i + 1];
      if (c == 'f') {
        pattern += fmt::format("{:06}", micros);
        ++i;
        continue;
      }
      if (c == 'z') {
        pattern += OffsetText(info.offset, false);
        ++i;
        continue;
      }
      if (c == 'Z') {
        pattern += info.abbrev;
        ++i;
        continue;
      }
      if (c == '%') {
        pattern += "%%";
        ++i;
        continue;
      }
    }
    pattern += format[i];
  }
  return date::format(pattern.c_str(), local);
}

Result<const date::time_zone*> FindZone(std::string_view name) {
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
    return Err(ErrorCode::kInvalidArgument,
               "unknown time zone '{}': use an IANA name such as UTC, Europe/Berlin or "
               "America/New_York (see /usr/share/zoneinfo)",
               name);
  }
}

Result<Time> ParseDateTime(std::string_view text, const date::time_zone* zone) {
  auto bad = [&]() {
    return Err(ErrorCode::kInvalidArgument,
               "bad date '{}': use YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM]", text);
  };
  std::string_view s = text;
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  int64_t micros = 0;
  if (!ConsumeInt(s, 4, y) || s.empty() || s[0] != '-') return bad();
  s.remove_prefix(1);
  if (!ConsumeInt(s, 2, mo) || s.empty() || s[0] != '-') return bad();
  s.remove_prefix(1);
  if (!ConsumeInt(s, 2, d)) return bad();
  std::optional<seconds> offset;
  if (!s.empty() && (s[0] == 'T' || s[0] == ' ' || s[0] == 't')) {
    s.remove_prefix(1);
    if (!ConsumeInt(s, 2, h) || s.empty() || s[0] != ':') return bad();
    s.remove_prefix(1);
    if (!ConsumeInt(s, 2, mi)) return bad();
    if (!s.empty() && s[0] == ':') {
      s.remove_prefix(1);
      if (!ConsumeInt(s, 2, sec)) return bad();
      if (!s.empty() && s[0] == '.') {
        s.remove_prefix(1);
        int64_t scale = 100000;
        size_t n = 0;
        while (n < s.size() && std::isdigit(static_cast<unsigned char>(s[n]))) {
          if (scale > 0) micros += (s[n] - '0') * scale;
          scale /= 10;
          ++n;
        }
        if (n == 0) return bad();
        s.remove_prefix(n);
      }
    }
  }
  if (!s.empty()) {
    if (s == "Z" || s == "z") {
      offset = seconds{0};
    } else if (s[0] == '+' || s[0] == '-') {
      int sign = s[0] == '-' ? -1 : 1;
      s.remove_prefix(1);
      int oh = 0, om = 0;
      if (!ConsumeInt(s, 2, oh)) return bad();
      if (!s.empty() && s[0] == ':') s.remove_prefix(1);
      if (!s.empty() && !ConsumeInt(s, 2, om)) return bad();
      if (!s.empty()) return bad();
      offset = seconds{sign * (oh * 3600 + om * 60)};
    } else {
      return bad();
    }
  }
  auto ymd =
      date::year{y} / date::month{static_cast<unsigned>(mo)} / date::day{static_cast<unsigned>(d)};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) {
    return Err(ErrorCode::kInvalidArgument, "bad date '{}': no such day or time", text);
  }
  auto wall = date::local_days{ymd} + hours{h} + minutes{mi} + seconds{sec};
  if (offset) {
    auto utc = date::sys_seconds{wall.time_since_epoch()} - *offset;
    return Time{duration_cast<Micros>(utc.time_since_epoch())} + Micros{micros};
  }
  if (zone == nullptr) zone = Utc();
  auto info = zone->get_info(wall);
  // info.first is the offset in force before the wall time: the only one when it is unique,
  // the earlier of two when it is ambiguous (a fall-back hour), and, when the wall time falls in
  // a DST gap (nonexistent), the offset from before the gap, which moves the instant forward by
  // the size of the gap (02:30 -> 03:30 on a spring-forward day).
  date::sys_seconds utc = date::sys_seconds{wall.time_since_epoch()} - info.first.offset;
  return Time{duration_cast<Micros>(utc.time_since_epoch())} + Micros{micros};
}

Result<Duration> ParseDuration(std::string_view text) {
  auto bad = [&]() {
    return Err(ErrorCode::kInvalidArgument,
               "bad duration '{}': use a number with a unit such as 500ms, 30s, 5m, 1h30m, 2d, "
               "1w, an ISO-8601 PT1H30M, or HH:MM:SS",
               text);
  };
  std::string_view s = text;
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  if (s.empty()) return bad();
  // HH:MM:SS
  if (s.find(':') != std::string_view::npos) {
    int h = 0, m = 0, sec = 0;
    std::string_view t = s;
    size_t colon = t.find(':');
    auto parse_part = [](std::string_view p, int& out) {
      auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), out);
      return ec == std::errc{} && ptr == p.data() + p.size() && out >= 0;
    };
    if (!parse_part(t.substr(0, colon), h)) return bad();
    t.remove_prefix(colon + 1);
    colon = t.find(':');
    if (colon == std::string_view::npos) return bad();
    if (!parse_part(t.substr(0, colon), m) || !parse_part(t.substr(colon + 1), sec)) return bad();
    return duration_cast<Micros>(hours{h} + minutes{m} + seconds{sec});
  }
  bool iso = false;
  if (s[0] == 'P' || s[0] == 'p') {
    iso = true;
    s.remove_prefix(1);
    if (!s.empty() && (s[0] == 'T' || s[0] == 't')) s.remove_prefix(1);
  }
  // A bare number means seconds.
  {
    double v = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (!iso && ec == std::errc{} && ptr == s.data() + s.size()) {
      if (v < 0) return bad();
      return Micros{static_cast<int64_t>(std::llround(v * 1e6))};
    }
  }
  double total_us = 0;
  bool any = false;
  while (!s.empty()) {
    while (!s.empty() && s[0] == ' ') s.remove_prefix(1);
    if (s.empty()) break;
    if (iso && (s[0] == 'T' || s[0] == 't')) {
      s.remove_prefix(1);
      continue;
    }
    double v = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || v < 0) return bad();
    s.remove_prefix(static_cast<size_t>(ptr - s.data()));
    while (!s.empty() && s[0] == ' ') s.remove_prefix(1);
    size_t n = 0;
    while (n < s.size() && std::isalpha(static_cast<unsigned char>(s[n]))) ++n;
    std::string unit(s.substr(0, n));
    for (auto& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    s.remove_prefix(n);
    double scale = 0;
    if (unit == "ms" || unit == "msec")
      scale = 1e3;
    else if (unit == "s" || unit == "sec" || unit == "secs" || unit == "second" ||
             unit == "seconds")
      scale = 1e6;
    else if (unit == "m" || unit == "min" || unit == "mins" || unit == "minute" ||
             unit == "minutes")
      scale = 60e6;
    else if (unit == "h" || unit == "hr" || unit == "hrs" || unit == "hour" || unit == "hours")
      scale = 3600e6;
    else if (unit == "d" || unit == "day" || unit == "days")
      scale = 86400e6;
    else if (unit == "w" || unit == "week" || unit == "weeks")
      scale = 7 * 86400e6;
    else
      return bad();
    total_us += v * scale;
    any = true;
  }
  if (!any) return bad();
  return Micros{static_cast<int64_t>(std::llround(total_us))};
}

std::string FormatDuration(Duration d) {
  int64_t us = d.count();
  std::string sign;
  if (us < 0) {
    sign = "-";
    us = -us;
  }
  if (us < 1000) return fmt::format("{}{}us", sign, us);
  if (us < 1000000) return fmt::format("{}{}ms", sign, us / 1000);
  if (us < 60000000) {
    double s = static_cast<double>(us) / 1e6;
    return us % 1000000 == 0 ? fmt::format("{}{}s", sign, us / 1000000)
                             : fmt::format("{}{:.1f}s", sign, s);
  }
  int64_t total = us / 1000000;
  int64_t dd = total / 86400, hh = (total / 3600) % 24, mm = (total / 60) % 60, ss = total % 60;
  std::string out = sign;
  auto add = [&](int64_t v, const char* u) {
    if (v == 0) return;
    if (out.size() > sign.size()) out += ' ';
    out += fmt::format("{}{}", v, u);
  };
  add(dd, "d");
  add(hh, "h");
  add(mm, "m");
  add(ss, "s");
  return out;
}

double ToSeconds(Duration d) { return static_cast<double>(d.count()) / 1e6; }

}  // namespace weir
