#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "base/time.h"

namespace weir {

// Failed logins to usernames that have no account, counted in memory with the policy of real
// accounts (whose counts are in the store), so that a client cannot tell which usernames
// exist: both get 401 for a wrong password, then 429 after the same number of failures.
//
// It remembers at most `max_names` names; when full it forgets those not locked now, then all.
// Thread-safe: one per server, shared by every request.
class LoginThrottle {
 public:
  explicit LoginThrottle(size_t max_names = 10'000) : max_names_(max_names) {}

  // Counts one attempt at `username` (case-insensitively) as a failure, before the password
  // is checked, so that guesses sent in parallel each count. Returns when it is locked until,
  // if it was locked before this attempt (the attempt is refused and not counted); nullopt
  // when the attempt may go on. `lockout_for(n)` is the lock after n failures.
  std::optional<Time> Attempt(const std::string& username, Time now,
                              const std::function<Duration(int)>& lockout_for);

 private:
  struct Entry {
    int failures = 0;
    Time locked_until{};
  };
  size_t max_names_;
  std::mutex mu_;
  std::map<std::string, Entry> names_;  // GUARDED_BY(mu_)
};

}  // namespace weir
