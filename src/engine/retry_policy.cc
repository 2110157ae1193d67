#include "engine/retry_policy.h"

#include <algorithm>

namespace weir {

Duration RetryDelay(const TaskSpec& task, int failed_try) {
  Duration cap = task.max_retry_delay.value_or(kDefaultMaxRetryDelay);
  if (!task.retry_exponential_backoff) {
    return task.max_retry_delay ? std::min(task.retry_delay, cap) : task.retry_delay;
  }
  Duration delay = task.retry_delay;
  for (int i = 1; i < failed_try && delay < cap; ++i) delay *= 2;
  return std::min(delay, cap);
}

}  // namespace weir
