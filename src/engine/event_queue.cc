#include "engine/event_queue.h"

namespace weir {

void EventQueue::Post(SchedulerEvent event) {
  {
    std::lock_guard lock(mu_);
    events_.push_back(std::move(event));
  }
  cv_.notify_one();
}

std::vector<SchedulerEvent> EventQueue::WaitAndDrain(std::optional<Time> deadline) {
  std::unique_lock lock(mu_);
  if (events_.empty()) {
    if (deadline) {
      auto until = std::chrono::system_clock::time_point(
          std::chrono::duration_cast<std::chrono::system_clock::duration>(
              deadline->time_since_epoch()));
      cv_.wait_until(lock, until, [&] { return !events_.empty(); });
    } else {
      cv_.wait(lock, [&] { return !events_.empty(); });
    }
  }
  std::vector<SchedulerEvent> out;
  out.swap(events_);
  return out;
}

std::vector<SchedulerEvent> EventQueue::Drain() {
  std::lock_guard lock(mu_);
  std::vector<SchedulerEvent> out;
  out.swap(events_);
  return out;
}

AttemptCallback EventQueue::AttemptPoster() {
  return [this](AttemptEvent e) {
    SchedulerEvent ev;
    ev.kind = SchedulerEvent::Kind::kAttempt;
    ev.attempt = std::move(e);
    Post(std::move(ev));
  };
}

}  // namespace weir
