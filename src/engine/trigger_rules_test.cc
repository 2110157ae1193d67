#include "engine/trigger_rules.h"

#include <gtest/gtest.h>

namespace weir {
namespace {

UpstreamCounts Counts(int success, int skipped, int failed, int upstream_failed, int total) {
  UpstreamCounts c;
  c.success = success;
  c.skipped = skipped;
  c.failed = failed;
  c.upstream_failed = upstream_failed;
  c.total = total;
  return c;
}

constexpr auto kWait = TriggerDecision::kWait;
constexpr auto kRun = TriggerDecision::kRun;
constexpr auto kSkip = TriggerDecision::kSkip;
constexpr auto kUpFailed = TriggerDecision::kUpstreamFailed;

TEST(TriggerRules, AllSuccessWaitsRunsOrPropagates) {
  EXPECT_EQ(EvaluateTriggerRule(TriggerRule::kAllSuccess, Counts(1, 0, 0, 0, 2)), kWait);
  EXPECT_EQ(EvaluateTriggerRule(TriggerRule::kAllSuccess, Counts(2, 0, 0, 0, 2)), kRun);
  EXPECT_EQ(EvaluateTriggerRule(TriggerRule::kAllSuccess, Counts(0, 0, 1, 0, 2)), kUpFailed);
  EXPECT_EQ(EvaluateTriggerRule(TriggerRule::kAllSuccess, Counts(0, 0, 0, 1, 2)), kUpFailed);
  EXPECT_EQ(EvaluateTriggerRule(TriggerRule::kAllSuccess, Counts(1, 1, 0, 0, 2)), kSkip);
}

TEST(TriggerRules, AllFailedRunsOnlyWhenEveryUpstreamFailed) {
  EXPECT_EQ(EvaluateTriggerRule(TriggerRule::kAllFailed, Counts(0, 0, 2, 0, 2)), kRun);
  EXPECT_EQ(EvaluateTriggerRule(TriggerRule::kAllFailed, Counts(0, 0, 1, 1, 2)), kRun);
  EXPECT_EQ(EvaluateTriggerRule(TriggerRule::kAllFailed, Counts(1, 0, 1, 0, 2)), kSkip);
  EXPECT_EQ(EvaluateTriggerRule(TriggerRule::kAllFailed, Counts(0, 0, 1, 0, 2)), kWait);
}

TEST(TriggerRules, AllDoneRunsWhateverTheOutcome) {
  EXPECT_EQ(EvaluateTriggerRule(TriggerRule::kAllDone, Counts(0, 1, 1, 0, 2)), kRun);
  EXPECT_EQ(EvaluateTriggerRule(TriggerRule::kAllDone, Counts(0, 0, 1, 0, 2)), kWait);
}

TEST(TriggerRules, OneSuccessRunsAtTheFirstSuccess) {
  EXPECT_EQ(EvaluateTriggerRule(TriggerRule::kOneSuccess, Counts(1, 0, 0, 0, 3)), kRun);
  EXPECT_EQ(EvaluateTriggerRule(TriggerRule::kOneSuccess, Counts(0, 0, 1, 0, 3)), kWait);
  EXPECT_EQ(EvaluateTriggerRule(TriggerRule::kOneSuccess, Counts(0, 1, 2, 0, 3)), kUpFailed);
  EXPECT_EQ(EvaluateTriggerRule(TriggerRule::kOneSuccess, Counts(0, 3, 0, 0, 3)), kSkip);
}

TEST(TriggerRules, OneFailedRunsAtTheFirstFailure) {
  EXPECT_EQ(EvaluateTriggerRule(TriggerRule::kOneFailed, Counts(0, 0, 1, 0, 3)), kRun);
  EXPECT_EQ(EvaluateTriggerRule(TriggerRule::kOneFailed, Counts(1, 0, 0, 0, 3)), kWait);
  EXPECT_EQ(EvaluateTriggerRule(TriggerRule::kOneFailed, Counts(2, 1, 0, 0, 3)), kSkip);
}

TEST(TriggerRules, NoneFailedToleratesSkips) {
  EXPECT_EQ(EvaluateTriggerRule(TriggerRule::kNoneFailed, Counts(1, 1, 0, 0, 2)), kRun);
  EXPECT_EQ(EvaluateTriggerRule(TriggerRule::kNoneFailed, Counts(0, 2, 0, 0, 2)), kRun);
  EXPECT_EQ(EvaluateTriggerRule(TriggerRule::kNoneFailed, Counts(1, 0, 1, 0, 2)), kUpFailed);
}

TEST(TriggerRules, NoneFailedMinOneSuccessNeedsASuccess) {
  EXPECT_EQ(EvaluateTriggerRule(TriggerRule::kNoneFailedMinOneSuccess, Counts(1, 1, 0, 0, 2)),
            kRun);
  EXPECT_EQ(EvaluateTriggerRule(TriggerRule::kNoneFailedMinOneSuccess, Counts(0, 2, 0, 0, 2)),
            kSkip);
  EXPECT_EQ(EvaluateTriggerRule(TriggerRule::kNoneFailedMinOneSuccess, Counts(0, 1, 0, 1, 2)),
            kUpFailed);
}

TEST(TriggerRules, NoneSkippedSkipsOnAnySkip) {
  EXPECT_EQ(EvaluateTriggerRule(TriggerRule::kNoneSkipped, Counts(1, 0, 1, 0, 2)), kRun);
  EXPECT_EQ(EvaluateTriggerRule(TriggerRule::kNoneSkipped, Counts(1, 1, 0, 0, 2)), kSkip);
}

TEST(TriggerRules, AlwaysRunsAtOnce) {
  EXPECT_EQ(EvaluateTriggerRule(TriggerRule::kAlways, Counts(0, 0, 0, 0, 3)), kRun);
}

TEST(TriggerRules, NoUpstreamMeansRun) {
  EXPECT_EQ(EvaluateTriggerRule(TriggerRule::kAllFailed, Counts(0, 0, 0, 0, 0)), kRun);
}

}  // namespace
}  // namespace weir
