#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "base/time.h"

namespace date {
class time_zone;
}

namespace weir {

// A parsed 5-field cron expression: "minute hour day-of-month month day-of-week".
//
// Syntax (Vixie cron): each field is a comma-separated list of items; an item is `*`, a value,
// a range `a-b`, or either followed by a step `/n` (`*/15`, `1-5/2`; `5/15` means `5-max/15`).
// Months accept JAN-DEC and days of the week SUN-SAT (any case); day-of-week 0 and 7 are both
// Sunday. `?` is accepted as `*` in the day fields. Presets: @hourly, @daily, @midnight,
// @weekly, @monthly, @yearly, @annually.
//
// Day rule (Vixie): when both day-of-month and day-of-week are restricted (not `*`), a day
// matches if EITHER matches ("0 0 1 * MON" runs on the 1st and on every Monday); when one of
// them is `*`, only the other one restricts.
//
// Time zones and DST. The expression is matched against wall-clock time in an IANA zone:
//  - A matching wall time that does not exist (spring-forward gap) fires once, shifted forward
//    by the length of the gap: "30 2 * * *" in America/New_York on 2021-03-14 fires at 03:30
//    EDT (07:30Z). When the shifted instant coincides with another matching time (02:00 ->
//    03:00 for "0 * * * *"), it fires once: the schedule never yields an instant twice.
//  - A matching wall time that happens twice (fall-back overlap) fires once, at the first
//    (earlier, daylight-time) occurrence, when the hour field is fixed (a value, list or
//    range: "30 1 * * *"). When the hour field is `*` or a step (`*/2`, `0-23/3`), the job
//    runs "every N hours" and fires at both occurrences: "0 * * * *" runs 25 times on a
//    fall-back day and 23 times on a spring-forward day.
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
  bool DayMatches(unsigned day_of_month, unsigned weekday) const;
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
  // The hour field is `*` or a step: repeated wall times fire at both occurrences.
  bool hour_repeats_ = false;
};

}  // namespace weir
