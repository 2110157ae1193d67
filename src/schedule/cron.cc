// Evaluation of CronExpression: Next and Prev in an IANA zone.
//
// Both walk wall-clock days, skipping months and days that do not match, and search each
// matching day's minutes through the hour and minute bit sets, so a yearly schedule costs a
// few hundred cheap day checks, not half a million minute checks. Days whose UTC offset is
// constant (all but two a year in zones with DST) map wall time to instants by one offset;
// days with a transition take the slow path that applies the DST rules minute by minute.

#include "schedule/cron.h"

#include <algorithm>
#include <bit>

#include <date/date.h>
#include <date/tz.h>

namespace weir {

namespace {

using std::chrono::days;
using std::chrono::floor;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr int kMinutesPerDay = 24 * 60;
// Further than any DST shift in the tz database (the largest is 2 hours): bounds the window
// in which a transition can reorder wall times and instants.
constexpr minutes kMaxShift = hours{3};
// How far Next and Prev search. Any expression Parse accepts matches at least every 8 years.
constexpr int kSearchDays = 366 * 30;

const date::time_zone* UtcZone() {
  static const date::time_zone* utc = FindZone("UTC").value();
  return utc;
}

date::local_days LocalDay(int64_t day) { return date::local_days{days{day}}; }

// The wall-clock day of instant t in zone.
int64_t LocalDayOf(Time t, const date::time_zone* zone) {
  auto secs = floor<seconds>(t);
  auto local = secs + zone->get_info(secs).offset;
  return floor<days>(local.time_since_epoch()).count();
}

// True when every wall time of the day maps to exactly one instant with one offset.
// `offset` receives it; otherwise it receives the offset at the start of the day.
bool ConstantOffsetDay(int64_t day, const date::time_zone* zone, seconds* offset) {
  auto start = zone->get_info(date::local_seconds{LocalDay(day)});
  auto end = zone->get_info(date::local_seconds{LocalDay(day + 1)});
  *offset = start.first.offset;
  return start.result == date::local_info::unique && end.result == date::local_info::unique &&
         start.first.begin == end.first.begin;
}

// Minutes into `day` (wall time) of instant t seen with `offset`; may be < 0 or >= a day.
int64_t MinuteInDay(Time t, int64_t day, seconds offset, bool round_up) {
  auto local = t.time_since_epoch() + offset - days{day};
  auto m = round_up ? std::chrono::ceil<minutes>(local) : floor<minutes>(local);
  return m.count();
}

}  // namespace

struct CronExpression::DayResult {
  std::optional<Time> time;
  bool constant_offset = true;
};

namespace {

// The weekday (0 = Sunday) of day `day` of a month, from the weekday of day `known_day`.
unsigned WeekdayOf(unsigned day, unsigned known_day, unsigned known_weekday) {
  return (known_weekday + 35 + day - known_day) % 7;
}

// Day of the month of the weekday (Monday to Friday) nearest day `target`, within a month of
// `last` days whose day `day` is `weekday`: a Saturday moves to Friday and a Sunday to Monday,
// unless that would leave the month (the 1st on a Saturday gives the 3rd; a last day on a
// Sunday, the Friday before). A target past the month's end counts as its last day.
unsigned NearestWeekday(unsigned target, unsigned last, unsigned day, unsigned weekday) {
  target = std::min(target, last);
  unsigned wd = WeekdayOf(target, day, weekday);
  if (wd == 6) return target > 1 ? target - 1 : target + 2;
  if (wd == 0) return target < last ? target + 1 : target - 2;
  return target;
}

}  // namespace

bool CronExpression::DayMatches(const date::year_month_day& ymd, unsigned weekday) const {
  unsigned d = static_cast<unsigned>(ymd.day());
  bool dom = (days_of_month_ >> d) & 1U;
  bool dow = (days_of_week_ >> weekday) & 1U;
  bool extras = last_day_of_month_ || last_weekday_of_month_ || nearest_weekday_to_ != 0 ||
                last_weekday_ != 0 || nth_weekday_ != decltype(nth_weekday_){};
  if (extras) {
    unsigned last = static_cast<unsigned>((ymd.year() / ymd.month() / date::last).day());
    if (last_day_of_month_ && d == last) dom = true;
    if (last_weekday_of_month_ && d == NearestWeekday(last, last, d, weekday)) dom = true;
    if (nearest_weekday_to_ != 0 && d == NearestWeekday(nearest_weekday_to_, last, d, weekday)) {
      dom = true;
    }
    if ((nth_weekday_[weekday] >> ((d - 1) / 7 + 1)) & 1U) dow = true;
    if (((last_weekday_ >> weekday) & 1U) && d + 7 > last) dow = true;
  }
  if (day_of_month_star_ || day_of_week_star_) return dom && dow;
  return dom || dow;
}

std::optional<int> CronExpression::NextMinuteOfDay(int from) const {
  from = std::max(from, 0);
  for (int h = from / 60; h < 24; ++h) {
    if (!((hours_ >> h) & 1U)) continue;
    int first = h == from / 60 ? from % 60 : 0;
    uint64_t candidates = minutes_ & (~uint64_t{0} << first);
    if (candidates != 0) return h * 60 + std::countr_zero(candidates);
  }
  return std::nullopt;
}

std::optional<int> CronExpression::PrevMinuteOfDay(int upto) const {
  upto = std::min(upto, kMinutesPerDay - 1);
  for (int h = upto / 60; h >= 0; --h) {
    if (!((hours_ >> h) & 1U)) continue;
    int last = h == upto / 60 ? upto % 60 : 59;
    uint64_t candidates = minutes_ & ((uint64_t{2} << last) - 1);
    if (candidates != 0) return h * 60 + 63 - std::countl_zero(candidates);
  }
  return std::nullopt;
}

int CronExpression::Instants(int64_t local_minute, const date::time_zone* zone, Time out[2]) const {
  auto local = date::local_seconds{minutes{local_minute}};
  auto info = zone->get_info(local);
  auto at = [&](seconds offset) { return Time{local.time_since_epoch() - offset}; };
  // For a wall time in a gap, `first` is the offset before the gap: subtracting it moves
  // the instant forward by the gap's length (02:30 EST does not exist; 07:30Z is 03:30 EDT).
  // A repeated wall time is `first` (daylight) then `second` (standard): both when the hour
  // field is every hour, else the second only (Airflow's fold=1).
  if (info.result == date::local_info::ambiguous) {
    if (!hour_repeats_) {
      out[0] = at(info.second.offset);
      return 1;
    }
    out[0] = at(info.first.offset);
    out[1] = at(info.second.offset);
    return 2;
  }
  out[0] = at(info.first.offset);
  return 1;
}

CronExpression::DayResult CronExpression::NextOnDay(int64_t day, Time after,
                                                    const date::time_zone* zone) const {
  seconds offset{};
  if (ConstantOffsetDay(day, zone, &offset)) {
    // A wall time m minutes into the day is the instant day + m - offset; the first one
    // strictly after `after` is the first matching minute after after's wall minute.
    int64_t from = MinuteInDay(after, day, offset, /*round_up=*/false) + 1;
    if (from >= kMinutesPerDay) return {};
    auto m = NextMinuteOfDay(static_cast<int>(std::max<int64_t>(from, 0)));
    if (!m) return {};
    return {Time{LocalDay(day).time_since_epoch() + minutes{*m} - offset}, true};
  }
  // A transition day: instants are not monotonic in wall time inside the overlap, so take
  // the least candidate, looking kMaxShift beyond the first hit.
  DayResult result{std::nullopt, false};
  int64_t from = MinuteInDay(after, day, offset - kMaxShift, false);
  if (from >= kMinutesPerDay) return result;
  int stop = kMinutesPerDay;
  for (auto m = NextMinuteOfDay(static_cast<int>(std::max<int64_t>(from, 0))); m && *m < stop;
       m = NextMinuteOfDay(*m + 1)) {
    Time instants[2];
    int n = Instants(day * kMinutesPerDay + *m, zone, instants);
    for (int i = 0; i < n; ++i) {
      if (instants[i] <= after) continue;
      if (!result.time || instants[i] < *result.time) result.time = instants[i];
      stop = std::min(stop, *m + static_cast<int>(kMaxShift.count()) + 1);
    }
  }
  return result;
}

CronExpression::DayResult CronExpression::PrevOnDay(int64_t day, Time before,
                                                    const date::time_zone* zone) const {
  seconds offset{};
  if (ConstantOffsetDay(day, zone, &offset)) {
    int64_t upto = MinuteInDay(before, day, offset, /*round_up=*/true) - 1;
    if (upto < 0) return {};
    auto m = PrevMinuteOfDay(static_cast<int>(std::min<int64_t>(upto, kMinutesPerDay - 1)));
    if (!m) return {};
    return {Time{LocalDay(day).time_since_epoch() + minutes{*m} - offset}, true};
  }
  DayResult result{std::nullopt, false};
  int64_t upto = MinuteInDay(before, day, offset + kMaxShift, true);
  if (upto < 0) return result;
  int stop = -1;
  for (auto m = PrevMinuteOfDay(static_cast<int>(std::min<int64_t>(upto, kMinutesPerDay - 1)));
       m && *m > stop; m = *m > 0 ? PrevMinuteOfDay(*m - 1) : std::nullopt) {
    Time instants[2];
    int n = Instants(day * kMinutesPerDay + *m, zone, instants);
    for (int i = 0; i < n; ++i) {
      if (instants[i] >= before) continue;
      if (!result.time || instants[i] > *result.time) result.time = instants[i];
      stop = std::max(stop, *m - static_cast<int>(kMaxShift.count()) - 1);
    }
  }
  return result;
}

std::optional<Time> CronExpression::Next(Time after, const date::time_zone* zone) const {
  if (zone == nullptr) zone = UtcZone();
  // Start a day early: around a fall-back at midnight, the previous wall day's repeated hour
  // can still be ahead of `after`.
  int64_t day = LocalDayOf(after, zone) - 1;
  const int64_t limit = day + kSearchDays;
  std::optional<Time> best;
  while (day <= limit) {
    date::year_month_day ymd{LocalDay(day)};
    if (!MonthMatches(static_cast<unsigned>(ymd.month()))) {
      if (best) return best;
      auto next_month = ymd.year() / ymd.month() + date::months{1};
      day = date::local_days{next_month / 1}.time_since_epoch().count();
      continue;
    }
    unsigned weekday = date::weekday{LocalDay(day)}.c_encoding();
    DayResult r;
    if (DayMatches(ymd, weekday)) r = NextOnDay(day, after, zone);
    if (r.time && (!best || *r.time < *best)) best = r.time;
    // Instants on later days are later, except right after a transition day, whose overlap
    // can reach into the next wall day: check that one too.
    if (best && (r.constant_offset || r.time != best)) return best;
    ++day;
  }
  return best;
}

std::optional<Time> CronExpression::Prev(Time before, const date::time_zone* zone) const {
  if (zone == nullptr) zone = UtcZone();
  int64_t day = LocalDayOf(before, zone) + 1;
  const int64_t limit = day - kSearchDays;
  std::optional<Time> best;
  while (day >= limit) {
    date::year_month_day ymd{LocalDay(day)};
    if (!MonthMatches(static_cast<unsigned>(ymd.month()))) {
      if (best) return best;
      day = date::local_days{ymd.year() / ymd.month() / 1}.time_since_epoch().count() - 1;
      continue;
    }
    unsigned weekday = date::weekday{LocalDay(day)}.c_encoding();
    DayResult r;
    if (DayMatches(ymd, weekday)) r = PrevOnDay(day, before, zone);
    if (r.time && (!best || *r.time > *best)) best = r.time;
    if (best && (r.constant_offset || r.time != best)) return best;
    --day;
  }
  return best;
}

}  // namespace weir
