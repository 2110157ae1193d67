// `weir worker`: runs attempts the redis executor queues (distributed mode).
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "base/ids.h"
#include "base/log.h"
#include "base/strings.h"
#include "base/url.h"
#include "cli/commands.h"
#include "cli/signals.h"
#include "engine/worker.h"
#include "env/attempt_shim.h"
#include "env/seal_keys.h"

namespace weir {

namespace {

struct WorkerFlags {
  std::string queues = "default";
  int concurrency = 8;
  std::string grace = "60s";
};

Result<int> RunWorker(const WorkerFlags& flags, std::chrono::steady_clock::time_point started) {
  Config config = TRY(LoadConfig());
  WorkerOptions options;
  options.redis_url = config.redis_url;
  options.concurrency = flags.concurrency;
  options.claim_ttl = config.worker_claim_ttl;
  options.grace = TRY_CONTEXT(ParseDuration(flags.grace), "--grace");
  options.queues.clear();
  for (const std::string& q : Split(flags.queues, ',')) {
    std::string name(Trim(q));
    if (name.empty()) continue;
    TRY_CONTEXT(CheckId(IdKind::kQueue, name), "--queues");
    options.queues.push_back(std::move(name));
  }
  if (options.queues.empty()) {
    return Err(ErrorCode::kInvalidArgument, "--queues names no queue; e.g. --queues default");
  }
  std::error_code ec;
  std::string self = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  if (ec) return Err(ErrorCode::kIo, "cannot find this program's path: {}", ec.message());
  options.shim = {self, kAttemptShimCommand, "--"};
  // The key that opens the attempts the schedulers sealed: the same on every machine.
  SealKeyRing keys = TRY_CONTEXT(LoadSealKeys(config.secret_key_file),
                                 "the worker needs the schedulers' secret key");

  auto worker = TRY(Worker::Create(options, std::move(keys)));
  SignalStopper stopper([&](int sig) {
    Log::Info("{} received: finishing the running attempts (up to {}), taking no new ones",
              sig == SIGINT ? "SIGINT" : "SIGTERM", FormatDuration(options.grace));
    worker->Stop();
  });
  double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  fmt::print(
      "weir worker {}\n  home         {}\n  redis        {}\n  queues       {}\n  concurrency  {}\n"
      "ready in {:.0f} ms; SIGTERM finishes the running attempts and stops\n",
      worker->id(), config.home, UrlWithoutPassword(config.redis_url), Join(options.queues, ","),
      options.concurrency, ms);
  std::fflush(stdout);
  TRY(worker->Run());
  return kExitOk;
}

}  // namespace

void AddWorkerCommands(CLI::App& app, CliState& state) {
  static auto started = std::chrono::steady_clock::now();
  static WorkerFlags flags;
  auto* worker = app.add_subcommand(
      "worker", "Run attempts the redis executor queues (distributed mode: docs/distributed.md)");
  worker
      ->add_option("--queues,-q", flags.queues,
                   "Queues to take attempts from, comma-separated (a task's `queue:`)")
      ->capture_default_str();
  worker->add_option("--concurrency,-c", flags.concurrency, "Attempts run at once")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  worker
      ->add_option("--grace", flags.grace,
                   "After SIGTERM, how long running attempts may go on before they are killed")
      ->capture_default_str();
  worker->callback([&state] { state.Run([] { return RunWorker(flags, started); }); });
}

}  // namespace weir
