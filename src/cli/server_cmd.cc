// `weir scheduler` and `weir standalone`: the long-running processes.
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "auth/standalone_admin.h"
#include "base/log.h"
#include "base/url.h"
#include "cli/commands.h"
#include "cli/signals.h"
#include "cli/web_options.h"
#include "engine/scheduler.h"
#include "env/seal_keys.h"
#include "exec/local_executor.h"
#include "exec/redis/redis_executor.h"
#include "store/open.h"

namespace weir {

namespace {

namespace fs = std::filesystem;

// Holds the scheduler lock of a home for the life of the process: one scheduler per
// SQLite database.
Result<int> LockHome(const Config& config) {
  std::error_code ec;
  fs::create_directories(fs::path(config.lock_file()).parent_path(), ec);
  int fd = open(config.lock_file().c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Err(ErrorCode::kIo, "cannot open {}", config.lock_file());
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char buf[32] = {};
    [[maybe_unused]] auto n = pread(fd, buf, sizeof buf - 1, 0);
    close(fd);
    return Err(ErrorCode::kUnavailable,
               "another weir scheduler (pid {}) is running with home {}: stop it first, or set "
               "WEIR_HOME to another folder",
               std::string(buf).empty() ? "?" : std::string(buf), config.home);
  }
  std::string pid = std::to_string(getpid());
  [[maybe_unused]] auto r = ftruncate(fd, 0);
  [[maybe_unused]] auto w = pwrite(fd, pid.data(), pid.size(), 0);
  return fd;
}

// The executor weir.yaml names: local (children of this process) or redis (attempts queued
// for `weir worker`s, sealed with the secret key every worker shares).
Result<std::unique_ptr<Executor>> MakeExecutor(const Config& config, EventQueue& queue) {
  if (config.executor != "redis") {
    return std::make_unique<LocalExecutor>(config.parallelism, queue.AttemptPoster());
  }
  SealKeyRing keys = TRY(LoadOrCreateSealKeys(config.secret_key_file));
  RedisExecutorOptions options;
  options.redis_url = config.redis_url;
  options.parallelism = config.parallelism;
  options.claim_ttl = config.worker_claim_ttl;
  auto executor = TRY(RedisExecutor::Start(options, std::move(keys), queue.AttemptPoster()));
  return std::unique_ptr<Executor>(std::move(executor));
}

// Where standalone's web server listens when the command line says (else the settings).
struct ListenFlags {
  std::string host;
  int port = -1;
};

Result<int> Serve(CliState& state, bool standalone, std::chrono::steady_clock::time_point started,
                  const ListenFlags& listen = {}) {
  // Refuse before changing anything: the home's lock first, then the database's lease; only
  // then may standalone write weir.yaml and the example DAGs.
  Config config = TRY(LoadConfig());
  WarnIfOpenToOthers(config);
  // On PostgreSQL with the Redis executor, several schedulers share the DAGs (each holds a
  // lease of its own, engine/dag_shares.h), from one home or many; otherwise one scheduler
  // has the database and the home to itself.
  const bool shared = IsSharedDatabase(config.database) && config.executor == "redis";
  if (!shared) TRY(LockHome(config));
  auto ctx = TRY(state.Open(false));
  const Duration ttl = LeaseTtl(ctx->config.heartbeat_interval);
  std::unique_ptr<LeaseKeeper> lease =
      shared ? LeaseKeeper::Member(*ctx->store, ctx->clock, ctx->config.home, ttl)
             : std::make_unique<LeaseKeeper>(*ctx->store, ctx->clock, ctx->config.home, ttl);
  TRY(lease->Acquire());
  std::optional<DagShares> shares;
  if (shared) shares.emplace(*ctx->store, *lease);
  bool fresh = TRY(InitHome(ctx->config, standalone));
  TRY(ctx->registry->Reload());

  EventQueue queue(ctx->clock);
  // Before any thread starts: threads inherit the blocked signal mask, so only the stopper's
  // thread ever takes SIGINT/SIGTERM.
  SignalStopper stopper([&](int sig) {
    Log::Info("{} received, stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
    queue.Post(SchedulerEvent{SchedulerEvent::Kind::kStop, {}});
  });
  std::unique_ptr<Executor> executor_owner = TRY(MakeExecutor(ctx->config, queue));
  Executor& executor = *executor_owner;
  SchedulerOptions options;
  options.paths = ctx->attempt_paths();
  options.wake_file = ctx->config.wake_file();
  options.database_url = ctx->config.database;
  options.heartbeat_interval = ctx->config.heartbeat_interval;
  options.lease = lease.get();
  options.shares = shares ? &*shares : nullptr;
  options.keep_work_folders = ctx->config.keep_work_folders;
  options.retention = ctx->config.retention;
  options.audit_retention = ctx->config.audit_retention;
  SchedulerHealth health;
  options.health = &health;
  Scheduler scheduler(*ctx->store, executor, queue, ctx->clock, *ctx->registry, options);

  // standalone also serves the API, and on a home without users makes the admin (its
  // password printed once, and kept in a 0600 file as Airflow's standalone does).
  std::unique_ptr<Api> api;
  std::unique_ptr<WebServer> web;
  std::optional<std::string> admin_password;
  if (standalone) {
    admin_password = TRY(EnsureStandaloneAdmin(*ctx->store, ctx->config.home));
    ApiConfig api_config = ApiConfigOf(ctx->config);
    api_config.scheduler_health = &health;
    // The executor of this process ends the attempts that the API's clears and marks stop.
    api = TRY(Api::Open(api_config, StoreOpenerOf(ctx->config), ctx->clock, executor));
    WebServerOptions web_options = WebOptionsOf(ctx->config);
    if (!listen.host.empty()) web_options.host = listen.host;
    if (listen.port >= 0) web_options.port = listen.port;
    web = std::make_unique<WebServer>(*api, web_options);
    TRY(web->Start());
  }

  TRY(scheduler.RecordJob());  // healthy in GET /health once "ready" is printed

  double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  fmt::print("weir {}: home {}{}\n", standalone ? "standalone" : "scheduler", ctx->config.home,
             fresh ? " (created, with the example DAGs)" : "");
  fmt::print("  database   {}\n", UrlWithoutPassword(ctx->config.database));
  fmt::print("  dags       {} ({} DAGs, {} import errors)\n  logs       {}\n",
             ctx->config.dags_folder, ctx->registry->dags().size(),
             ctx->registry->import_errors().size(), ctx->config.logs_folder);
  if (ctx->config.executor == "redis") {
    fmt::print("  executor   redis ({}), parallelism {}\n",
               UrlWithoutPassword(ctx->config.redis_url), ctx->config.parallelism);
  } else {
    fmt::print("  executor   local, parallelism {}\n", ctx->config.parallelism);
  }
  if (shares) {
    fmt::print(
        "  shared     DAGs are shared with the other schedulers of this database, "
        "balanced every {}\n",
        FormatDuration(ctx->config.heartbeat_interval));
  }
  if (web) {
    fmt::print("  ui         http://{0}:{1}/\n  api        http://{0}:{1}/api/v1\n",
               listen.host.empty() ? ctx->config.webserver_host : listen.host, web->port());
  }
  if (admin_password) {
    fmt::print("  login      admin / {} (also in {}/{})\n", *admin_password, ctx->config.home,
               kStandaloneAdminPasswordFile);
  }
  fmt::print("ready in {:.0f} ms; Ctrl-C stops\n", ms);
  std::fflush(stdout);

  Status s = scheduler.Run();
  if (web) web->Stop();
  executor.Shutdown();
  TRY(s);
  TRY(scheduler.Finish());
  // The other schedulers take this one's DAGs at their next heartbeat, without waiting for
  // its lease to run out.
  if (shares) shares->ReleaseAll();
  return kExitOk;
}

}  // namespace

void AddServerCommands(CLI::App& app, CliState& state) {
  static auto started = std::chrono::steady_clock::now();
  app.add_subcommand("scheduler", "Run the scheduler (with the executor weir.yaml names)")
      ->callback([&state] { state.Run([&] { return Serve(state, false, started); }); });
  static ListenFlags listen;
  auto* standalone = app.add_subcommand(
      "standalone",
      "Run everything in one process (scheduler, executor, web server); on a fresh $WEIR_HOME, "
      "create it with the example DAGs");
  standalone->add_option("--host", listen.host,
                         "Address the web server listens on (default: webserver_host, 127.0.0.1)");
  standalone
      ->add_option("--port,-p", listen.port,
                   "Web server port (default: webserver_port, 8080; 0: any free port)")
      ->check(CLI::Range(0, 65535));
  standalone->callback(
      [&state] { state.Run([&] { return Serve(state, true, started, listen); }); });
}

}  // namespace weir
