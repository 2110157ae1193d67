#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "exec/executor.h"

namespace weir {

// An executor for tests: it runs nothing and records what it was asked. Submit accepts up to
// `capacity` attempts (they stay "running" until the test says otherwise); both kinds of Kill
// are recorded, in order. Thread-safe.
class FakeExecutor final : public Executor {
 public:
  struct KillCall {
    AttemptKey key;
    AttemptProcess process;  // {0, 0} for the scheduler's Kill(key, reason)
    std::string reason;
  };

  explicit FakeExecutor(int capacity = 16) : capacity_(capacity) {}

  Status Submit(AttemptSpec spec) override {
    std::lock_guard lock(mu_);
    if (static_cast<int>(submitted_.size()) >= capacity_) {
      return Err(ErrorCode::kFailedPrecondition, "all {} slots are busy", capacity_);
    }
    submitted_.push_back(std::move(spec));
    return {};
  }
  void Kill(const AttemptKey& key, const std::string& reason) override {
    std::lock_guard lock(mu_);
    kills_.push_back({key, {}, reason});
  }
  void Kill(const AttemptKey& key, const AttemptProcess& process,
            const std::string& reason) override {
    std::lock_guard lock(mu_);
    kills_.push_back({key, process, reason});
  }
  int Running() const override {
    std::lock_guard lock(mu_);
    return static_cast<int>(submitted_.size());
  }
  int Capacity() const override { return capacity_; }
  void Shutdown() override {}

  std::vector<KillCall> kills() const {
    std::lock_guard lock(mu_);
    return kills_;
  }
  std::vector<AttemptSpec> submitted() const {
    std::lock_guard lock(mu_);
    return submitted_;
  }

 private:
  const int capacity_;
  mutable std::mutex mu_;
  std::vector<AttemptSpec> submitted_;  // GUARDED_BY(mu_)
  std::vector<KillCall> kills_;         // GUARDED_BY(mu_)
};

}  // namespace weir
