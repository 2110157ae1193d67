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
  clock_.WaitUntil(lock, cv_, deadline, [&] { return !events_.empty(); });
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
