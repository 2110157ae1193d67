// `weir worker`: runs attempts the redis executor queues (distributed mode); `weir workers
// list` and `weir jobs list` show the cluster.
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
#include "engine/connections.h"
#include "engine/remote_logs.h"
#include "engine/scheduler.h"
#include "engine/worker.h"
#include "env/attempt_shim.h"
#include "env/seal_keys.h"
#include "exec/redis/broker.h"
#include "store/open.h"

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

  // Logs that outlive this machine: remote_logs is reached as the lake is, its connection
  // found as a task's is (WEIR_CONN_<ID>, else the database, opened only to look it up).
  std::unique_ptr<ObjectStore> remote_logs;
  if (!config.remote_logs.empty()) {
    ConnectionFinder find = [db = config.database, key_file = config.secret_key_file](
                                const std::string& id) -> Result<Connection> {
      auto store = TRY(OpenMetadataStore(db));
      return FindConnection(*store, key_file, id);
    };
    remote_logs = TRY(OpenRemoteLogs(config.remote_logs, {config.lake_conn_id, find}));
  }
  auto worker = TRY(Worker::Create(options, std::move(keys), std::move(remote_logs)));
  SignalStopper stopper([&](int sig) {
    Log::Info("{} received: finishing the running attempts (up to {}), taking no new ones",
              sig == SIGINT ? "SIGINT" : "SIGTERM", FormatDuration(options.grace));
    worker->Stop();
  });
  double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  fmt::print(
      "weir worker {}\n  home         {}\n  redis        {}\n  queues       {}\n  concurrency  {}\n"
      "{}ready in {:.0f} ms; SIGTERM finishes the running attempts and stops\n",
      worker->id(), config.home, UrlWithoutPassword(config.redis_url), Join(options.queues, ","),
      options.concurrency,
      config.remote_logs.empty() ? "" : fmt::format("  remote logs  {}\n", config.remote_logs), ms);
  std::fflush(stdout);
  TRY(worker->Run());
  return kExitOk;
}

Time Now() { return std::chrono::time_point_cast<Micros>(std::chrono::system_clock::now()); }

// Whole seconds: "0s" for a worker that just started.
std::string UptimeText(Duration d) {
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(d);
  return seconds.count() <= 0 ? "0s" : FormatDuration(seconds);
}

Result<std::vector<redis::WorkerInfo>> ReadWorkers(const Config& config) {
  if (config.executor != "redis") return std::vector<redis::WorkerInfo>();
  auto broker = TRY(redis::Broker::Connect(config.redis_url));
  return broker->Workers();
}

// `weir workers list`: each worker with its host, queues, concurrency, running attempts,
// last heartbeat and uptime; then the queues' depths.
Result<int> ListWorkers(CliState& state) {
  Config config = TRY(LoadConfig());
  Time now = Now();
  Table t({"worker", "state", "queues", "running", "concurrency", "heartbeat", "uptime"});
  for (const auto& w : TRY(ReadWorkers(config))) {
    Json j = redis::WorkerStatusJson(w, now, config.worker_claim_ttl);
    t.AddRow({w.id, j["state"].get<std::string>(), Join(w.queues, ","),
              std::to_string(w.running.size()), std::to_string(w.concurrency),
              FormatDuration(now - w.heartbeat_at) + " ago", UptimeText(now - w.started_at)},
             j);
  }
  t.Print(state.format());
  if (state.format() == OutputFormat::kTable) {
    if (config.executor != "redis") {
      fmt::print("The executor is local: attempts run in the scheduler's process, no workers.\n");
    } else if (t.size() == 0) {
      fmt::print("No worker has started yet: weir worker --queues default\n");
    } else {
      auto broker = TRY(redis::Broker::Connect(config.redis_url));
      for (const auto& d : TRY(broker->Depths())) {
        fmt::print("queue {}: {} waiting, {} taken\n", d.queue, d.waiting, d.pending);
      }
    }
  }
  return kExitOk;
}

// `weir jobs list`: every process of this weir, as Airflow's `jobs check`: the schedulers
// (from the database) and the workers (from Redis), with their heartbeats.
Result<int> ListJobs(CliState& state) {
  auto ctx = TRY(state.Open(false));
  Time now = Now();
  Table t({"job", "kind", "host", "pid", "state", "heartbeat", "started"});
  for (const SchedulerJob& job : TRY(RecentSchedulerJobs(*ctx->store, now))) {
    bool alive = SchedulerIsAlive(job, now);
    t.AddRow({fmt::format("scheduler:{}", job.id), "scheduler", job.hostname,
              std::to_string(job.pid), alive ? "running" : "gone",
              FormatDuration(now - job.heartbeat_at) + " ago", FormatIso(job.started_at)},
             Json{{"job", fmt::format("scheduler:{}", job.id)},
                  {"kind", "scheduler"},
                  {"hostname", job.hostname},
                  {"pid", job.pid},
                  {"alive", alive},
                  {"latest_heartbeat", FormatIso(job.heartbeat_at)},
                  {"started_at", FormatIso(job.started_at)}});
  }
  for (const auto& w : TRY(ReadWorkers(ctx->config))) {
    Json j = redis::WorkerStatusJson(w, now, ctx->config.worker_claim_ttl);
    t.AddRow({w.id, "worker", w.hostname, std::to_string(w.pid), j["state"].get<std::string>(),
              FormatDuration(now - w.heartbeat_at) + " ago", FormatIso(w.started_at)},
             Json{{"job", w.id},
                  {"kind", "worker"},
                  {"hostname", w.hostname},
                  {"pid", w.pid},
                  {"alive", j["alive"]},
                  {"latest_heartbeat", j["latest_heartbeat"]},
                  {"started_at", j["started_at"]}});
  }
  t.Print(state.format(), ctx->masker);
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

  auto* workers =
      app.add_subcommand("workers", "The workers of the redis executor (Flower's view)");
  workers->require_subcommand(1);
  auto* list = workers->add_subcommand(
      "list", "Each worker: host, queues, running attempts, heartbeat, uptime; queue depths");
  AddOutputOption(list, state);
  list->callback([&state] { state.Run([&state] { return ListWorkers(state); }); });

  auto* jobs = app.add_subcommand("jobs", "The processes of this weir and their heartbeats");
  jobs->require_subcommand(1);
  auto* jobs_list = jobs->add_subcommand("list", "The scheduler and the workers, alive or gone");
  AddOutputOption(jobs_list, state);
  jobs_list->callback([&state] { state.Run([&state] { return ListJobs(state); }); });
}

}  // namespace weir
