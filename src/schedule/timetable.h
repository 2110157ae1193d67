#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/time.h"

namespace date {
class time_zone;
}

namespace weir {

// [start, end): the slice of time a run processes. Manual and @once runs have start == end.
struct DataInterval {
  Time start;
  Time end;
  bool operator==(const DataInterval&) const = default;
};

// What the scheduler may create: runs whose interval starts at or after `earliest`
// (the DAG's start_date) and at or before `latest` (end_date), never a run whose interval
// has not ended by `now`, and with catchup off only the most recent complete interval.
struct TimeRestriction {
  std::optional<Time> earliest;
  std::optional<Time> latest;
  bool catchup = true;
};

// A DAG's schedule: turns "0 6 2 * *", "@daily", "every 6h" or none into data intervals,
// with Airflow's semantics (a run's logical date is its interval's start; the run is due
// when the interval's end has passed). Immutable and thread-safe; pure functions of their
// arguments (no clock: `now` is passed in).
//
// The kinds MakeTimetable builds:
//  - cron ("0 6 2 * *", "@daily"): intervals [tick, next tick), ticks evaluated in the DAG's
//    zone. DST (see schedule/cron.h): a wall time skipped by spring-forward fires once,
//    shifted forward by the gap (02:30 -> 03:30 EDT), never twice at one instant; a repeated
//    wall time fires once at its second occurrence (as Airflow) and at both when the hour
//    field covers every hour ("0 * * * *": 25 runs on the fall-back day, 23 on the
//    spring-forward day). So a "@daily" interval spans 23 or 25 hours on those days.
//  - fixed interval ("every 6h", "30m", "every 1 day"): [start_date + k*d, start_date +
//    (k+1)*d), exact elapsed time ("1d" is 24 hours even across DST).
//  - @once: one point interval [start_date, start_date], due at start_date.
//  - manual ("", "none", "null", "@none"): periodic() is false; no intervals at all.
class Timetable {
 public:
  virtual ~Timetable() = default;

  // The interval of the next automated run after `last` (the latest scheduled run's interval,
  // nullopt when there is none yet), or nullopt when the schedule produces no more runs.
  // The result may end after `now`: the caller creates the run once `end <= now`
  // (DueAt() tells when), then passes it back as `last` to get the one after.
  //  - The first interval starts at the first tick at or after `restriction.earliest`.
  //  - With catchup on, intervals follow each other with no gaps: feeding results back
  //    yields one run per missed interval since earliest.
  //  - With catchup off, intervals that ended before the latest complete one (the one
  //    ending at the last tick <= now) are skipped: one run for a missed period, never
  //    older ones; if none has completed since earliest yet, the first upcoming one.
  //    A cron timetable without `earliest` behaves as if catchup were off.
  //  - No interval starts after `restriction.latest` (end_date).
  virtual std::optional<DataInterval> NextInterval(std::optional<DataInterval> last,
                                                   const TimeRestriction& restriction,
                                                   Time now) const = 0;

  // When a run for `interval` becomes due (normally interval.end; for @once, the start).
  virtual Time DueAt(const DataInterval& interval) const { return interval.end; }

  // The interval a manual run triggered with `logical_date` covers. Airflow: a point
  // interval [logical_date, logical_date] for every schedule.
  virtual DataInterval ManualInterval(Time logical_date) const {
    return DataInterval{logical_date, logical_date};
  }

  // Every interval whose start is in [from, to], for backfill, in order. Not clamped to the
  // DAG's start_date or end_date: the caller intersects the range with them.
  virtual std::vector<DataInterval> IntervalsBetween(Time from, Time to) const = 0;

  // False for manual-only (`schedule: null`): the scheduler never creates runs by itself.
  virtual bool periodic() const = 0;

  // The schedule as written ("0 6 2 * *", "@daily", "every 6h", "none").
  virtual std::string expression() const = 0;
  // The schedule in words: "At 06:00 on day 2 of every month (UTC)", "Every 6 hours".
  virtual std::string Describe() const = 0;
};

// Builds the timetable for a DAG's schedule string. An empty string, "none", "null" and
// "@none" mean manual only; "every <duration>" or a bare duration with a unit ("6h") is a
// fixed interval; "@once" is once; anything else is cron (5 fields or a preset).
// `zone` is an IANA name (empty means UTC). `start_date` anchors fixed intervals ("every 6h"
// counts from it) and @once; both require it.
// Errors (kInvalidArgument) name the schedule and say how to fix it: a bad cron field, an
// unknown zone, a bad or zero duration, a missing start_date, an unrecognized form.
Result<std::shared_ptr<const Timetable>> MakeTimetable(std::string_view schedule,
                                                       std::string_view zone,
                                                       std::optional<Time> start_date);

}  // namespace weir
