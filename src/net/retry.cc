#include "net/retry.h"

#include <algorithm>
#include <thread>

namespace weir {

bool RetryableStatus(int status) {
  return status == 408 || status == 429 || status == 500 || status == 502 || status == 503 ||
         status == 504;
}

Result<HttpResponse> WithRetries(const RetryPolicy& policy,
                                 const std::function<Result<HttpResponse>(int attempt)>& attempt) {
  std::chrono::milliseconds delay = policy.first_delay;
  for (int n = 1;; ++n) {
    auto answer = attempt(n);
    bool again = answer ? RetryableStatus(answer->status) : IsTransient(answer.error());
    if (!again || n >= policy.tries) return answer;
    std::chrono::milliseconds wait = delay;
    if (answer) {
      if (auto after = ParseRetryAfter(answer->Header("retry-after"))) {
        wait = std::max<std::chrono::milliseconds>(wait, *after);
      }
    }
    std::this_thread::sleep_for(std::min(wait, policy.max_delay));
    delay *= 2;
  }
}

}  // namespace weir
