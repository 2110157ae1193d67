#pragma once

#include <atomic>

#include "base/time.h"

namespace weir {

// The source of "now". The scheduler asks the clock, never the system, so tests can run
// months of schedule in milliseconds with a FakeClock.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Time Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Time Now() const override;
};

// A clock that moves only when told to.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(Time start) : now_(ToMicros(start)) {}
  Time Now() const override { return FromMicros(now_.load()); }
  void Set(Time t) { now_.store(ToMicros(t)); }
  void Advance(Duration d) { now_.fetch_add(d.count()); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace weir
