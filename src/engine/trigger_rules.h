#pragma once

#include "model/state.h"

namespace weir {

// How the upstream tasks of one task instance stand.
struct UpstreamCounts {
  int total = 0;
  int success = 0;
  int skipped = 0;
  int failed = 0;
  int upstream_failed = 0;
  int removed = 0;  // removed upstreams count as done and as nothing else
  int done() const { return success + skipped + failed + upstream_failed + removed; }
};

// What a trigger rule decides for a task whose upstreams stand as `counts`.
enum class TriggerDecision {
  kWait,            // not yet decidable
  kRun,             // dependencies met
  kSkip,            // the task will never run: skipped
  kUpstreamFailed,  // the task will never run: upstream_failed
};

// Airflow's trigger rule semantics, including the propagation of skipped and
// upstream_failed. A task without upstreams always runs.
TriggerDecision EvaluateTriggerRule(TriggerRule rule, const UpstreamCounts& counts);

}  // namespace weir
