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
// when the interval's end has passed). Cron is evaluated in the DAG's zone and is correct
// across DST changes. Immutable and thread-safe.
class Timetable {
 public:
  virtual ~Timetable() = default;

  // The interval of the next automated run after `last` (the latest scheduled run's interval,
  // nullopt when there is none yet), or nullopt when the schedule produces no more runs.
  // The result may end after `now`: the caller creates the run once `end <= now`
  // (DueAt() tells when). With catchup off, intervals that ended before the latest
  // complete one are skipped.
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

  // Every interval whose start is in [from, to], for backfill, in order.
  virtual std::vector<DataInterval> IntervalsBetween(Time from, Time to) const = 0;

  // False for manual-only (`schedule: null`): the scheduler never creates runs by itself.
  virtual bool periodic() const = 0;

  // The schedule as written ("0 6 2 * *", "@daily", "every 6h", "none").
  virtual std::string expression() const = 0;
  // The schedule in words: "At 06:00 on day 2 of every month (UTC)", "Every 6 hours".
  virtual std::string Describe() const = 0;
};

// Builds the timetable for a DAG's schedule string. An empty string, "none", "null" and
// "@none" mean manual only. `zone` is an IANA name. `start_date` anchors fixed intervals
// ("every 6h" counts from it) and @once.
Result<std::shared_ptr<const Timetable>> MakeTimetable(std::string_view schedule,
                                                       std::string_view zone,
                                                       std::optional<Time> start_date);

}  // namespace weir
