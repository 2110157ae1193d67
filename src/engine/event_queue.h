#pragma once

#include <condition_variable>
#include <mutex>
#include <optional>
#include <vector>

#include "base/time.h"
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
// event is posted, so a finished attempt is handled without delay.
class EventQueue {
 public:
  void Post(SchedulerEvent event);
  // Waits until an event arrives or the system clock reaches `deadline` (forever when
  // nullopt), then returns every pending event (possibly none, on timeout).
  std::vector<SchedulerEvent> WaitAndDrain(std::optional<Time> deadline);
  // Returns pending events without waiting.
  std::vector<SchedulerEvent> Drain();
  // A callback for an Executor that posts its events here.
  AttemptCallback AttemptPoster();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<SchedulerEvent> events_;  // GUARDED_BY(mu_)
};

}  // namespace weir
