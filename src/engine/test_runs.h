#pragma once

#include <string>
#include <vector>

#include "base/time.h"
#include "store/job_store.h"
#include "store/metadata_store.h"
#include "store/run_store.h"

namespace weir {

// Test runs (run type `test`) belong to the `weir dags test` that runs them: schedulers never
// plan them. While it runs one, that process holds a lease on it (a SchedulerLease named
// TestRunLeaseName(), renewed with its heartbeat). A test run whose owner is gone (killed,
// even with SIGKILL) is ended by whoever notices: a scheduler when it starts and at every
// heartbeat, and the next `weir dags test`; so no test run stays queued or running.

// The name of the lease that the owner of test run (dag_id, run_id) holds.
std::string TestRunLeaseName(const std::string& dag_id, const std::string& run_id);

// Whether the process that runs test run (dag_id, run_id) is alive: its lease exists and,
// when its holder is on this machine, that process still runs (same pid and start time);
// on another machine, the lease has not expired.
Result<bool> TestRunOwnerAlive(JobStore& store, const std::string& dag_id,
                               const std::string& run_id, Time now);

// Ends a test run that will not go on: every task instance that has not finished becomes
// failed (those that never started with `why` as their error), and the run failed with `why`
// as its note. Tries are left as they are: the caller records what became of them first.
// One transaction.
Status EndTestRun(RunStore& store, DagRun run, const std::string& why, Time now);

// Ends the queued and running test runs whose owner is gone: kills every process left of
// their unfinished tries (orphans.h KillLostTries), records those tries failed, and ends the
// runs (EndTestRun). Returns the runs it ended. Safe to call from any process: it touches
// only runs whose owner is gone.
Result<std::vector<DagRun>> EndOrphanedTestRuns(MetadataStore& store, Time now);

}  // namespace weir
