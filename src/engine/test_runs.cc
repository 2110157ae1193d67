#include "engine/test_runs.h"

#include <unistd.h>

#include "engine/orphans.h"
#include "env/process_table.h"

namespace weir {

namespace {

std::string ThisHostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

RunFilter ActiveTestRuns() {
  RunFilter f;
  f.run_type = RunType::kTest;
  f.states = {RunState::kQueued, RunState::kRunning};
  return f;
}

}  // namespace

std::string TestRunLeaseName(const std::string& dag_id, const std::string& run_id) {
  return "test_run/" + dag_id + "/" + run_id;
}

Result<bool> TestRunOwnerAlive(JobStore& store, const std::string& dag_id,
                               const std::string& run_id, Time now) {
  auto lease = TRY(store.GetSchedulerLease(TestRunLeaseName(dag_id, run_id)));
  if (!lease) return false;  // never taken (an older weir), or released
  if (lease->hostname == ThisHostname()) {
    auto p = ReadProcessEntry(static_cast<int>(lease->pid));
    return p && !p->zombie && p->start_ticks == lease->proc_start;
  }
  return lease->expires_at > now;
}

Status EndTestRun(RunStore& store, DagRun run, const std::string& why, Time now) {
  return store.Transaction([&]() -> Status {
    for (auto& ti : TRY(store.ListTaskInstances(run.dag_id, run.run_id))) {
      if (IsFinished(ti.state)) continue;
      if (ti.try_number == 0 || ti.error.empty()) ti.error = why;
      ti.state = TaskState::kFailed;
      ti.end_date = now;
      ti.next_retry_at.reset();
      TRY(store.UpdateTaskInstance(ti));
    }
    run.state = RunState::kFailed;
    if (!run.start_date) run.start_date = now;
    run.end_date = now;
    run.reason = why;
    return store.UpdateRun(run);
  });
}

Result<std::vector<DagRun>> EndOrphanedTestRuns(MetadataStore& store, Time now) {
  std::vector<DagRun> ended;
  std::vector<DagRun> runs = TRY(store.ListRuns(ActiveTestRuns()));
  if (runs.empty()) return ended;
  std::vector<TaskTry> unfinished = TRY(store.ListUnfinishedTries());
  for (const auto& run : runs) {
    if (TRY(TestRunOwnerAlive(store, run.dag_id, run.run_id, now))) continue;
    std::vector<TaskTry> lost;
    for (const auto& t : unfinished) {
      if (t.dag_id == run.dag_id && t.run_id == run.run_id) lost.push_back(t);
    }
    // Killed before anything is recorded: never a try's processes alive after its run ended.
    std::vector<OrphanReport> reports = KillLostTries(lost);
    bool ended_here = false;
    TRY(store.Transaction([&]() -> Status {
      DagRun current = TRY(store.GetRun(run.dag_id, run.run_id));
      if (current.state != RunState::kQueued && current.state != RunState::kRunning) return {};
      for (size_t i = 0; i < lost.size(); ++i) TRY(RecordLostTry(store, lost[i], reports[i], now));
      TRY(EndTestRun(store, current,
                     "the `weir dags test` that ran this test run stopped before it finished",
                     now));
      ended_here = true;
      return {};
    }));
    if (!ended_here) continue;
    if (auto lease = store.GetSchedulerLease(TestRunLeaseName(run.dag_id, run.run_id));
        lease && *lease) {
      (void)store.ReleaseSchedulerLease((*lease)->name, (*lease)->holder);
    }
    ended.push_back(TRY(store.GetRun(run.dag_id, run.run_id)));
  }
  return ended;
}

}  // namespace weir
