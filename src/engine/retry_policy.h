#pragma once

#include "base/time.h"
#include "model/dag.h"

namespace weir {

// Airflow's default cap on an exponential retry delay.
inline constexpr Duration kDefaultMaxRetryDelay = std::chrono::hours{24};

// The wait before the try after `failed_try` (1-based): retry_delay, or with exponential
// backoff retry_delay * 2^(failed_try - 1), capped by max_retry_delay (24 h when unset).
// Deterministic (no jitter), so a test can predict it.
Duration RetryDelay(const TaskSpec& task, int failed_try);

// True when a task instance that failed its try `try_number` of `max_tries` may run again.
inline bool CanRetry(int try_number, int max_tries) { return try_number < max_tries; }

}  // namespace weir
