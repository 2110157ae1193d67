#include "engine/retry_policy.h"

#include <gtest/gtest.h>

namespace weir {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

TEST(RetryPolicy, FixedDelayByDefault) {
  TaskSpec t;
  t.retry_delay = seconds{30};
  EXPECT_EQ(RetryDelay(t, 1), seconds{30});
  EXPECT_EQ(RetryDelay(t, 5), seconds{30});
}

TEST(RetryPolicy, ExponentialBackoffDoublesAndIsCapped) {
  TaskSpec t;
  t.retry_delay = seconds{30};
  t.retry_exponential_backoff = true;
  t.max_retry_delay = minutes{3};
  EXPECT_EQ(RetryDelay(t, 1), seconds{30});
  EXPECT_EQ(RetryDelay(t, 2), seconds{60});
  EXPECT_EQ(RetryDelay(t, 3), seconds{120});
  EXPECT_EQ(RetryDelay(t, 4), seconds{180});
  EXPECT_EQ(RetryDelay(t, 40), seconds{180});
}

TEST(RetryPolicy, TriesRemainUntilMaxTries) {
  EXPECT_TRUE(CanRetry(1, 3));
  EXPECT_TRUE(CanRetry(2, 3));
  EXPECT_FALSE(CanRetry(3, 3));
}

}  // namespace
}  // namespace weir
