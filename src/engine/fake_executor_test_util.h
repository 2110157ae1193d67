#pragma once

#include <signal.h>

#include <algorithm>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "base/strings.h"
#include "env/clock.h"
#include "exec/executor.h"

namespace weir {

// An Executor for scheduler loop tests in fake time (env/clock.h FakeClock, ninja's
// FakeCommandRunner): it runs no process. An attempt starts when it is submitted (its
// kStarted event is delivered at once) and ends on a timer on the clock, after the fake time
// and with the exit code the test's script gives it. execution_timeout and Kill end it
// earlier, with the event fields and error texts of LocalExecutor. Events go through the
// callback on the thread that submits or that waits on the clock, so a loop whose queue
// takes them sees them in fake time, deterministically. Not thread-safe: the scheduler's
// thread only, and the test's once Run() has returned.
class TimedFakeExecutor final : public Executor {
 public:
  // How an attempt ends when nothing ends it earlier.
  struct Outcome {
    Duration duration = std::chrono::minutes(1);
    int exit_code = 0;  // 99 makes a bash task skipped, as a real one
  };
  using Script = std::function<Outcome(const AttemptSpec&)>;

  // One attempt submitted, with the fake times it started and (once done) ended.
  struct Attempt {
    AttemptKey key;
    std::optional<Duration> timeout;
    Time started{};
    std::optional<Time> ended;
    bool timed_out = false;
    bool killed = false;
  };

  TimedFakeExecutor(FakeClock& clock, AttemptCallback callback, int capacity, Script script)
      : clock_(clock),
        callback_(std::move(callback)),
        capacity_(capacity),
        script_(std::move(script)) {}

  Status Submit(AttemptSpec spec) override {
    if (Running() >= capacity_) {
      return Err(ErrorCode::kFailedPrecondition, "no free slot ({} running)", Running());
    }
    Outcome outcome = script_(spec);
    Time now = clock_.Now();
    size_t index = attempts_.size();
    attempts_.push_back(Attempt{spec.key, spec.timeout, now, std::nullopt, false, false});
    running_[spec.key.ToString()] = index;
    max_running_ = std::max(max_running_, Running());

    AttemptEvent started;
    started.kind = AttemptEvent::Kind::kStarted;
    started.key = spec.key;
    started.at = now;
    callback_(std::move(started));

    bool times_out = spec.timeout && *spec.timeout < outcome.duration;
    Time end = now + (times_out ? *spec.timeout : outcome.duration);
    clock_.At(end, [this, key = spec.key, outcome, times_out] {
      auto it = running_.find(key.ToString());
      if (it == running_.end()) return;  // killed meanwhile
      Attempt& a = attempts_[it->second];
      AttemptEvent ev;
      if (times_out) {
        a.timed_out = true;
        ev.timed_out = true;
        ev.term_signal = SIGTERM;
        ev.error = "timed out after " + FormatDuration(*a.timeout) + " (execution_timeout)";
      } else {
        ev.exit_code = outcome.exit_code;
        if (outcome.exit_code != 0) {
          ev.error = "exited with status " + std::to_string(outcome.exit_code);
        }
      }
      Finish(it, std::move(ev));
    });
    return {};
  }

  // A clear or a mark ends an attempt by its recorded process; here, by its key.
  void Kill(const AttemptKey& key, const AttemptProcess& /*process*/,
            const std::string& reason) override {
    Kill(key, reason);
  }
  void Kill(const AttemptKey& key, const std::string& reason) override {
    auto it = running_.find(key.ToString());
    if (it == running_.end()) return;
    attempts_[it->second].killed = true;
    AttemptEvent ev;
    ev.killed = true;
    ev.term_signal = SIGTERM;
    ev.error = "killed: " + reason;
    Finish(it, std::move(ev));
  }

  int Running() const override { return static_cast<int>(running_.size()); }
  int Capacity() const override { return capacity_; }
  void Shutdown() override {
    while (!running_.empty()) Kill(attempts_[running_.begin()->second].key, "shutdown");
  }

  const std::vector<Attempt>& attempts() const { return attempts_; }
  int max_running() const { return max_running_; }  // the most attempts running at once

 private:
  void Finish(std::map<std::string, size_t>::iterator it, AttemptEvent ev) {
    Attempt& a = attempts_[it->second];
    Time now = clock_.Now();
    a.ended = now;
    ev.kind = AttemptEvent::Kind::kFinished;
    ev.key = a.key;
    ev.at = now;
    ev.duration = now - a.started;
    running_.erase(it);  // a slot is free when the event arrives, as with LocalExecutor
    callback_(std::move(ev));
  }

  FakeClock& clock_;
  const AttemptCallback callback_;
  const int capacity_;
  const Script script_;
  std::vector<Attempt> attempts_;
  std::map<std::string, size_t> running_;  // by AttemptKey::ToString()
  int max_running_ = 0;
};

}  // namespace weir
