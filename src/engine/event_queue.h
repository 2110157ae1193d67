#pragma once

#include <condition_variable>
#include <mutex>
#include <optional>
#include <vector>

#include "base/time.h"
#include "env/clock.h"
#include "exec/executor.h"

namespace weir {

// Something the scheduler loop must react to.
struct SchedulerEvent {
  enum class Kind {
    kAttempt,      // an executor reported an attempt started or finished
    kDagsChanged,  // a file in the DAGs folder was written, added or removed
    kWake,         // another process changed the metadata store (trigger, clear, pause...)
    kStop,
  };
  Kind kind = Kind::kWake;
  AttemptEvent attempt;
};

// The scheduler's inbox. Any thread posts; only the loop waits. Waiting ends at once when an
// event is posted, so a finished attempt is handled without delay. It waits through the
// clock it is given (the scheduler's), so with a FakeClock the loop sleeps in fake time.
class EventQueue {
 public:
  // `clock` must outlive the queue.
  explicit EventQueue(const Clock& clock) : clock_(clock) {}

  void Post(SchedulerEvent event);
  // Waits until an event arrives or the clock reaches `deadline` (forever when nullopt), then
  // returns every pending event (possibly none, on timeout). With a FakeClock an empty queue
  // moves the clock to the deadline or to its next timer at once (env/clock.h).
  std::vector<SchedulerEvent> WaitAndDrain(std::optional<Time> deadline);
  // Returns pending events without waiting.
  std::vector<SchedulerEvent> Drain();
  // A callback for an Executor that posts its events here.
  AttemptCallback AttemptPoster();

 private:
  const Clock& clock_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<SchedulerEvent> events_;  // GUARDED_BY(mu_)
};

}  // namespace weir
