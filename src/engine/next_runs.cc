#include "engine/next_runs.h"

namespace weir {

std::vector<NextRun> NextIntervalsAfter(const DagSpec& spec, std::optional<DataInterval> last,
                                        Time now, int count) {
  std::vector<NextRun> out;
  if (!spec.timetable || !spec.timetable->periodic()) return out;
  // The planner's restriction (planner.cc), so what is shown is what will run.
  TimeRestriction restriction{spec.start_date, spec.end_date, spec.catchup};
  for (int i = 0; i < count; ++i) {
    auto next = spec.timetable->NextInterval(last, restriction, now);
    if (!next) break;
    out.push_back(NextRun{*next, spec.timetable->DueAt(*next)});
    last = next;
  }
  return out;
}

Result<std::vector<NextRun>> NextIntervals(const DagSpec& spec, RunStore& store, Time now,
                                           int count) {
  if (!spec.timetable || !spec.timetable->periodic() || count <= 0) {
    return std::vector<NextRun>();
  }
  auto latest = TRY(store.LatestScheduledRun(spec.dag_id));
  std::optional<DataInterval> last;
  if (latest) last = DataInterval{latest->data_interval_start, latest->data_interval_end};
  return NextIntervalsAfter(spec, last, now, count);
}

}  // namespace weir
