#pragma once

#include <signal.h>

#include <functional>
#include <thread>

namespace weir {

// Turns SIGINT and SIGTERM into a call of `on_signal` on a thread of its own, so that a
// long-running command stops cleanly (its attempts' process groups killed and recorded)
// instead of dying with children left behind. Construct it before starting other threads:
// they inherit the blocked signal mask. The destructor stops and joins the thread.
class SignalStopper {
 public:
  explicit SignalStopper(std::function<void(int)> on_signal);
  ~SignalStopper();
  SignalStopper(const SignalStopper&) = delete;
  SignalStopper& operator=(const SignalStopper&) = delete;

 private:
  sigset_t signals_;
  std::thread thread_;
};

}  // namespace weir
