#pragma once

#include <optional>
#include <string>
#include <vector>

#include "schedule/cron.h"
#include "schedule/timetable.h"

namespace weir {

// A timetable whose data intervals run from one tick to the next: [tick, next tick).
// Implements Airflow's data-interval semantics once for cron and fixed intervals:
//  - the first interval starts at the first tick at or after `restriction.earliest`;
//  - after `last`, the next interval starts at the last tick at or before last.end (so a
//    changed schedule realigns) and never before `earliest`;
//  - with catchup off (or no `earliest`), the start is at least that of the latest complete
//    interval at `now` (the one ending at the last tick <= now): one run for a missed
//    period, never older ones; before any interval has completed, the first upcoming one;
//  - no interval starts after `restriction.latest`.
class TickTimetable : public Timetable {
 public:
  std::optional<DataInterval> NextInterval(std::optional<DataInterval> last,
                                           const TimeRestriction& restriction,
                                           Time now) const override;
  std::vector<DataInterval> IntervalsBetween(Time from, Time to) const override;
  bool periodic() const override { return true; }

 protected:
  // The first tick strictly after `after` / the last strictly before `before`.
  virtual std::optional<Time> NextTick(Time after) const = 0;
  virtual std::optional<Time> PrevTick(Time before) const = 0;
  // The `earliest` to use when the restriction has none.
  virtual std::optional<Time> DefaultEarliest() const { return std::nullopt; }

 private:
  std::optional<Time> TickAtOrAfter(Time t) const;
  std::optional<Time> TickAtOrBefore(Time t) const;
};

// Intervals between consecutive firings of a cron expression evaluated in `zone`.
class CronTimetable final : public TickTimetable {
 public:
  CronTimetable(CronExpression cron, const date::time_zone* zone);

  std::string expression() const override { return cron_.expression(); }
  // "At 06:00 on day 2 of every month (UTC)".
  std::string Describe() const override;

 protected:
  std::optional<Time> NextTick(Time after) const override { return cron_.Next(after, zone_); }
  std::optional<Time> PrevTick(Time before) const override { return cron_.Prev(before, zone_); }

 private:
  CronExpression cron_;
  const date::time_zone* zone_;
  std::string description_;
};

// Intervals of a fixed length anchored at start_date: [anchor + k*step, anchor + (k+1)*step).
// The length is exact elapsed time: "1d" is 24 hours even across DST ("@daily" follows the
// wall clock). Without `restriction.earliest`, the anchor is the earliest start.
class FixedIntervalTimetable final : public TickTimetable {
 public:
  // `step` must be positive.
  FixedIntervalTimetable(std::string expression, Time anchor, Duration step);

  std::string expression() const override { return expression_; }
  // "Every 6 hours", "Every day", "Every 1h 30m".
  std::string Describe() const override;

 protected:
  std::optional<Time> NextTick(Time after) const override;
  std::optional<Time> PrevTick(Time before) const override;
  std::optional<Time> DefaultEarliest() const override { return anchor_; }

 private:
  std::string expression_;
  Time anchor_;
  Duration step_;
};

}  // namespace weir
