#pragma once

#include <chrono>
#include <functional>

#include "net/http_client.h"

namespace weir {

// How often and how patiently a request to a cloud store is tried again.
struct RetryPolicy {
  int tries = 5;
  std::chrono::milliseconds first_delay{200};
  std::chrono::milliseconds max_delay{20'000};
};

// True for the statuses a later try may not see: 408, 429 and the 5xx of an overloaded or
// restarting server (500, 502, 503, 504).
bool RetryableStatus(int status);

// Calls `attempt` (numbered from 1) until it gives an answer whose status is not retryable or
// an error that is not transient (IsTransient), or policy.tries attempts were made, and
// returns that last outcome. Between attempts it waits first_delay, doubling each time, at
// least what a Retry-After header asked for, never more than max_delay. `attempt` builds its
// request afresh each time (a new signature, a new token, an emptied body buffer).
Result<HttpResponse> WithRetries(const RetryPolicy& policy,
                                 const std::function<Result<HttpResponse>(int attempt)>& attempt);

}  // namespace weir
