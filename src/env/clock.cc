#include "env/clock.h"

#include <algorithm>

namespace weir {

Time SystemClock::Now() const {
  return std::chrono::time_point_cast<Micros>(std::chrono::system_clock::now());
}

bool SystemClock::WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                            std::optional<Time> deadline,
                            const std::function<bool()>& ready) const {
  if (!deadline) {
    cv.wait(lock, ready);
    return true;
  }
  auto until = std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          deadline->time_since_epoch()));
  return cv.wait_until(lock, until, ready);
}

void FakeClock::At(Time at, std::function<void()> fn) {
  std::lock_guard guard(mu_);
  timers_.emplace(at, std::move(fn));
}

size_t FakeClock::pending_timers() const {
  std::lock_guard guard(mu_);
  return timers_.size();
}

bool FakeClock::RunDueTimers(std::unique_lock<std::mutex>& lock) const {
  bool ran = false;
  for (;;) {
    std::function<void()> fn;
    {
      std::lock_guard guard(mu_);
      if (timers_.empty() || timers_.begin()->first > Now()) return ran;
      fn = std::move(timers_.begin()->second);
      timers_.erase(timers_.begin());
    }
    // The timer typically posts to what the waiter waits on, under the waiter's mutex.
    lock.unlock();
    fn();
    lock.lock();
    ran = true;
  }
}

bool FakeClock::WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                          std::optional<Time> deadline, const std::function<bool()>& ready) const {
  for (;;) {
    if (ready()) return true;
    if (RunDueTimers(lock)) continue;
    if (deadline && Now() >= *deadline) return false;
    std::optional<Time> next;
    {
      std::lock_guard guard(mu_);
      if (!timers_.empty()) next = timers_.begin()->first;
    }
    if (deadline && (!next || *deadline < *next)) next = deadline;
    if (!next) {
      // Nothing on this clock will ever happen: only another thread can end the wait.
      cv.wait(lock);
      continue;
    }
    // Forward only: a timer scheduled in the past runs now, at the current time.
    int64_t target = ToMicros(*next);
    int64_t current = now_.load();
    while (current < target && !now_.compare_exchange_weak(current, target)) {
    }
  }
}

}  // namespace weir
