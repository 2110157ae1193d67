#include "engine/trigger_rules.h"

namespace weir {

TriggerDecision EvaluateTriggerRule(TriggerRule rule, const UpstreamCounts& c) {
  if (c.total == 0) return TriggerDecision::kRun;
  const bool all_done = c.done() >= c.total;
  const int failures = c.failed + c.upstream_failed;
  switch (rule) {
    case TriggerRule::kAllSuccess:
      if (failures > 0) return TriggerDecision::kUpstreamFailed;
      if (c.skipped > 0) return TriggerDecision::kSkip;
      return all_done ? TriggerDecision::kRun : TriggerDecision::kWait;
    case TriggerRule::kAllFailed:
      if (c.success > 0 || c.skipped > 0) return TriggerDecision::kSkip;
      return all_done ? TriggerDecision::kRun : TriggerDecision::kWait;
    case TriggerRule::kAllDone:
      return all_done ? TriggerDecision::kRun : TriggerDecision::kWait;
    case TriggerRule::kOneSuccess:
      if (c.success > 0) return TriggerDecision::kRun;
      if (!all_done) return TriggerDecision::kWait;
      return failures > 0 ? TriggerDecision::kUpstreamFailed : TriggerDecision::kSkip;
    case TriggerRule::kOneFailed:
      if (failures > 0) return TriggerDecision::kRun;
      return all_done ? TriggerDecision::kSkip : TriggerDecision::kWait;
    case TriggerRule::kNoneFailed:
      if (failures > 0) return TriggerDecision::kUpstreamFailed;
      return all_done ? TriggerDecision::kRun : TriggerDecision::kWait;
    case TriggerRule::kNoneFailedMinOneSuccess:
      if (failures > 0) return TriggerDecision::kUpstreamFailed;
      if (!all_done) return TriggerDecision::kWait;
      return c.success > 0 ? TriggerDecision::kRun : TriggerDecision::kSkip;
    case TriggerRule::kNoneSkipped:
      if (c.skipped > 0) return TriggerDecision::kSkip;
      return all_done ? TriggerDecision::kRun : TriggerDecision::kWait;
    case TriggerRule::kAlways:
      return TriggerDecision::kRun;
  }
  return TriggerDecision::kWait;
}

}  // namespace weir
