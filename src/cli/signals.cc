#include "cli/signals.h"

#include <pthread.h>

#include <atomic>

namespace weir {

namespace {
// SIGUSR2 wakes the thread when the command ends without a signal.
std::atomic<bool> g_stopping{false};
}  // namespace

SignalStopper::SignalStopper(std::function<void(int)> on_signal) {
  sigemptyset(&signals_);
  sigaddset(&signals_, SIGINT);
  sigaddset(&signals_, SIGTERM);
  sigaddset(&signals_, SIGUSR2);
  pthread_sigmask(SIG_BLOCK, &signals_, nullptr);
  thread_ = std::thread([this, on_signal = std::move(on_signal)] {
    while (true) {
      int sig = 0;
      if (sigwait(&signals_, &sig) != 0) continue;
      if (sig == SIGUSR2 && g_stopping.load()) return;
      if (sig == SIGINT || sig == SIGTERM) on_signal(sig);
    }
  });
}

SignalStopper::~SignalStopper() {
  g_stopping.store(true);
  pthread_kill(thread_.native_handle(), SIGUSR2);
  thread_.join();
}

}  // namespace weir
