#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "base/time.h"

namespace date {
class time_zone;
class year_month_day;
}  // namespace date

namespace weir {

// A parsed 5-field cron expression: "minute hour day-of-month month day-of-week". weir reads
// cron as croniter does (and so as Airflow does), except where noted.
//
// Syntax: each field is a comma-separated list of items; an item is `*`, a value, a range
// `a-b`, or either followed by a step `/n` (`*/15`, `1-5/2`; `5/15` means `5-max/15`). A range
// whose start is after its end wraps around (`22-2` in hours, `FRI-MON`, `NOV-FEB`), stepping
// on across the wrap. Months accept JAN-DEC and days of the week SUN-SAT (any case);
// day-of-week 0 and 7 are both Sunday, so `SAT-SUN` and `MON-SUN` mean what they say and `7/2`
// is Sunday, Tuesday, Thursday and Saturday. `?` alone in a day field means `*`.
// Day-of-month also takes `L` (the last day of the month; `29-L`, `1-L/8` as ranges to it),
// `LW` (the last weekday, Monday to Friday) and `15W` (the weekday nearest the 15th, within
// the month: a Saturday moves to Friday, a Sunday to Monday, never across the month's
// edge). Day-of-week also takes `SAT#1` / `6#1` (the first Saturday of the month, up to #5,
// also on a range: `MON-FRI#1`) and `5L` / `FRIL` / `L5` (the last Friday). Presets: @hourly,
// @daily, @midnight, @weekly, @monthly, @quarterly, @yearly, @annually. Six fields (croniter
// reads the sixth as seconds) are refused: weir schedules to the minute.
//
// Day rule (Vixie): when both day-of-month and day-of-week are restricted (not `*`), a day
// matches if EITHER matches ("0 0 1 * MON" runs on the 1st and on every Monday); when one of
// them is `*`, only the other one restricts. `L`, `W`, `#` items are part of their field.
//
// Time zones and DST, as Airflow 2 does it. The expression is matched against wall-clock time
// in an IANA zone:
//  - A matching wall time that does not exist (spring-forward gap) fires once, shifted forward
//    by the length of the gap: "30 2 * * *" in America/New_York on 2021-03-14 fires at 03:30
//    EDT (07:30Z). When the shifted instant coincides with another matching time (02:00 ->
//    03:00 for "0 * * * *"), it fires once: the schedule never yields an instant twice.
//  - A matching wall time that happens twice (fall-back overlap) fires once, at the second
//    (later, standard-time) occurrence, unless the hour field covers all 24 hours: "0 2 * * *"
//    in Europe/Zurich on 2023-10-29 fires at 02:00+01:00 (01:00Z), so that day's interval is
//    25 hours long. A schedule whose hour field is every hour ("0 * * * *", "*/30 * * * *")
//    fires at both occurrences: it runs 25 times on a fall-back day and 23 times on a
//    spring-forward day. ("*/2" in hours is not every hour: it fires at the second only.)
//
// Immutable and cheap to copy.
class CronExpression {
 public:
  // Parses `expression` (5 fields or a preset). On failure the error (kInvalidArgument) names
  // the expression, the field ("field 2 (hour)"), the offending value and the valid form.
  // Expressions that can never match ("0 0 31 2 *") are rejected too.
  static Result<CronExpression> Parse(std::string_view expression);

  // The first firing instant strictly after `after`, with wall times in `zone` (UTC when
  // null). nullopt only if there is none in the next 30 years (cannot happen for an
  // expression Parse accepted, except near the end of the representable range).
  std::optional<Time> Next(Time after, const date::time_zone* zone = nullptr) const;
  // The last firing instant strictly before `before`; the mirror image of Next.
  std::optional<Time> Prev(Time before, const date::time_zone* zone = nullptr) const;

  // The expression as written ("@daily", "0 6 2 * *").
  const std::string& expression() const { return expression_; }
  // In words, without the zone: "At 06:00 on day 2 of every month", "Every 15 minutes".
  std::string Describe() const;

 private:
  friend class CronParser;
  struct DayResult;

  CronExpression() = default;

  bool MonthMatches(unsigned month) const { return (months_ >> month) & 1U; }
  bool DayMatches(const date::year_month_day& ymd, unsigned weekday) const;
  // The first matching minute of the day (hour * 60 + minute) >= from, or nullopt.
  std::optional<int> NextMinuteOfDay(int from) const;
  // The last matching minute of the day <= upto, or nullopt.
  std::optional<int> PrevMinuteOfDay(int upto) const;
  // The first firing instant after `after` (last before `before`) whose wall time falls on
  // `local_day` (days since 1970-01-01, wall time).
  DayResult NextOnDay(int64_t local_day, Time after, const date::time_zone* zone) const;
  DayResult PrevOnDay(int64_t local_day, Time before, const date::time_zone* zone) const;
  // Adds the instants wall time `local_minute` (minutes since 1970-01-01) maps to, per the DST
  // rules above, to out[0..2); returns how many.
  int Instants(int64_t local_minute, const date::time_zone* zone, Time out[2]) const;

  std::string expression_;
  uint64_t minutes_ = 0;        // bits 0-59
  uint32_t hours_ = 0;          // bits 0-23
  uint32_t days_of_month_ = 0;  // bits 1-31
  uint16_t months_ = 0;         // bits 1-12
  uint8_t days_of_week_ = 0;    // bits 0-6, 0 = Sunday
  bool day_of_month_star_ = false;
  bool day_of_week_star_ = false;
  // Day-of-month items beyond plain days: L, LW, and nW (n; 0 when none).
  bool last_day_of_month_ = false;
  bool last_weekday_of_month_ = false;
  uint8_t nearest_weekday_to_ = 0;
  // Day-of-week items beyond plain days: D#n as bit n (1-5) of nth_weekday_[D], and DL as bit D.
  std::array<uint8_t, 7> nth_weekday_{};
  uint8_t last_weekday_ = 0;
  // The hour field covers every hour: repeated wall times fire at both occurrences.
  bool hour_repeats_ = false;
};

}  // namespace weir
