#include "auth/login_throttle.h"

#include "base/strings.h"

namespace weir {

std::optional<Time> LoginThrottle::Attempt(const std::string& username, Time now,
                                           const std::function<Duration(int)>& lockout_for) {
  std::lock_guard lock(mu_);
  std::string key = ToLower(username);
  if (!names_.contains(key) && names_.size() >= max_names_) {
    std::erase_if(names_, [&](const auto& kv) { return kv.second.locked_until <= now; });
    if (names_.size() >= max_names_) names_.clear();
  }
  Entry& e = names_[key];
  if (now < e.locked_until) return e.locked_until;
  ++e.failures;
  Duration lock_for = lockout_for(e.failures);
  if (lock_for > Duration::zero()) e.locked_until = now + lock_for;
  return std::nullopt;
}

}  // namespace weir
