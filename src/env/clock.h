#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>

#include "base/time.h"

namespace weir {

// The source of "now", and the one way to wait for a time. The scheduler asks the clock,
// never the system, both for the time and to sleep until its next due time, so tests can
// run months of schedule in milliseconds with a FakeClock.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Time Now() const = 0;

  // Blocks until `ready()` holds or the clock reads `deadline` or later (without a deadline:
  // until `ready()` holds), then returns ready(). `lock` holds, on entry and on return, the
  // mutex that guards what ready() reads; whoever changes that state does so under the mutex
  // and then notifies `cv`. The clock may release `lock` while it waits. Const: waiting does
  // not change which clock this is, although a FakeClock's time moves (see FakeClock).
  virtual bool WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                         std::optional<Time> deadline,
                         const std::function<bool()>& ready) const = 0;
};

// The machine's clock: waits in real time.
class SystemClock final : public Clock {
 public:
  Time Now() const override;
  bool WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                 std::optional<Time> deadline, const std::function<bool()>& ready) const override;
};

// A clock whose time moves only when told to (Set, Advance) or when a thread waits on it.
// The rule of a wait (WaitUntil) on a FakeClock:
//   - while ready() is false, the wait does not block on time: the clock jumps forward to
//     the earlier of the wait's deadline and the earliest timer (At), runs the timers that
//     are due, in order of time and then of scheduling, and checks ready() again;
//   - it returns true as soon as ready() holds, and false once the clock has reached the
//     deadline (timers due at the deadline run first);
//   - only when there is neither a deadline nor a timer does it block, until `cv` is notified
//     (another thread posts) and ready() holds.
// So a scheduler loop sleeps through a retry delay, a timeout or a year of schedule at once,
// and what it sees does not depend on the machine's speed, provided the waiting thread is
// the only one that waits on the clock and whatever it waits for is either a timer on this
// clock (a fake executor's attempt that ends after 10 minutes) or posted before it waits.
// Time never moves backwards on its own (Set may move it anywhere).
class FakeClock final : public Clock {
 public:
  explicit FakeClock(Time start) : now_(ToMicros(start)) {}
  Time Now() const override { return FromMicros(now_.load()); }
  void Set(Time t) { now_.store(ToMicros(t)); }
  void Advance(Duration d) { now_.fetch_add(d.count()); }

  // Runs `fn` on the thread that waits on this clock once a wait moves the clock to `at` or
  // past it (in the next wait, if `at` has passed already). `fn` runs without the waiter's
  // lock held, so it may post to what the waiter waits on; it must not wait on the clock.
  // Thread-safe.
  void At(Time at, std::function<void()> fn);
  // Timers scheduled and not yet run. Thread-safe.
  size_t pending_timers() const;

  bool WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                 std::optional<Time> deadline, const std::function<bool()>& ready) const override;

 private:
  // Runs, without `lock`, the timers due at Now(). Returns whether any ran.
  bool RunDueTimers(std::unique_lock<std::mutex>& lock) const;

  mutable std::atomic<int64_t> now_;  // a wait moves it: see the rule above
  mutable std::mutex mu_;
  // Equal times keep the order of scheduling (multimap inserts after equal keys).
  mutable std::multimap<Time, std::function<void()>> timers_;  // GUARDED_BY(mu_)
};

}  // namespace weir
