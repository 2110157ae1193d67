#pragma once

#include <optional>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "model/dag.h"
#include "schedule/timetable.h"
#include "store/run_store.h"

namespace weir {

// A run the scheduler will create by itself: the interval it covers and when it becomes
// due (normally the interval's end; for @once, its start).
struct NextRun {
  DataInterval interval;
  Time runs_at;
};

// The next `count` runs the scheduler will create for `spec`, in order, as the planner
// computes them: from `last` (the latest scheduled run's interval, nullopt when there is
// none yet), the DAG's start_date, end_date and catchup, and `now`. The first may already
// be due (the scheduler creates it on its next pass). Empty when the DAG has no periodic
// schedule or makes no more runs (past its end_date). Pure; does not look at is_paused.
std::vector<NextRun> NextIntervalsAfter(const DagSpec& spec, std::optional<DataInterval> last,
                                        Time now, int count);

// The same, with `last` read from the store (LatestScheduledRun). Fails only when the store
// does.
Result<std::vector<NextRun>> NextIntervals(const DagSpec& spec, RunStore& store, Time now,
                                           int count);

}  // namespace weir
