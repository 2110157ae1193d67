// `weir webserver`: the web UI and the REST API on webserver_host:webserver_port.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>

#include "base/log.h"
#include "cli/commands.h"
#include "cli/signals.h"
#include "cli/web_options.h"
#include "exec/local_executor.h"
#include "store/open.h"
#include "web/server.h"

namespace weir {

WebServerOptions WebOptionsOf(const Config& config) {
  WebServerOptions options;
  options.host = config.webserver_host;
  options.port = config.webserver_port;
  options.threads = config.webserver_threads;
  options.max_body_bytes = static_cast<size_t>(config.webserver_max_body_bytes);
  options.secure_cookies = config.webserver_secure_cookies == "true" ? SecureCookies::kAlways
                           : config.webserver_secure_cookies == "forwarded"
                               ? SecureCookies::kForwarded
                               : SecureCookies::kNever;
  return options;
}

ApiConfig ApiConfigOf(const Config& config) {
  ApiConfig api{config.dags_folder, config.logs_folder, config.home, config.wake_file(),
                config.secret_key_file};
  api.parallelism = config.parallelism;
  api.executor = config.executor;
  api.redis_url = config.redis_url;
  api.claim_ttl = config.worker_claim_ttl;
  api.remote_logs = config.remote_logs;
  api.lake_conn_id = config.lake_conn_id;
  // Long polls may hold a quarter of the request threads; the rest answer everything else.
  api.max_long_polls = std::max(1, config.webserver_threads / 4);
  return api;
}

StoreOpener StoreOpenerOf(const Config& config) {
  return [url = config.database] { return OpenMetadataStore(url); };
}

namespace {

Result<int> WebserverCmd(CliState& state, const std::string& host, int port) {
  auto started = std::chrono::steady_clock::now();
  Config config = TRY(LoadConfig());
  WarnIfOpenToOthers(config);
  TRY(InitHome(config, false));
  std::mutex mu;
  std::condition_variable cv;
  bool stop = false;
  SignalStopper stopper([&](int sig) {
    Log::Info("{} received, stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
    std::lock_guard lock(mu);
    stop = true;
    cv.notify_all();
  });
  {
    auto ctx = TRY(state.Open(false));  // creates and migrates the database when needed
  }
  // This process runs no attempts: a clear or a mark ends them by their recorded process.
  SystemClock clock;
  std::unique_ptr<AttemptKiller> killer = KillerOf(config);
  auto api = TRY(Api::Open(ApiConfigOf(config), StoreOpenerOf(config), clock, *killer));
  WebServerOptions options = WebOptionsOf(config);
  if (!host.empty()) options.host = host;
  if (port >= 0) options.port = port;
  WebServer server(*api, options);
  TRY(server.Start());
  double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  fmt::print(
      "weir webserver\n  home       {}\n  ui         http://{}:{}/\n  api        "
      "http://{}:{}/api/v1\n",
      config.home, options.host, server.port(), options.host, server.port());
  fmt::print("ready in {:.0f} ms; Ctrl-C stops\n", ms);
  std::fflush(stdout);
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return stop; });
  server.Stop();
  return kExitOk;
}

}  // namespace

void AddWebCommands(CLI::App& app, CliState& state) {
  static std::string host;
  static int port = -1;
  auto* web =
      app.add_subcommand("webserver", "Serve the REST API on webserver_host:webserver_port");
  web->add_option("--host", host, "Address to listen on (default: webserver_host, 127.0.0.1)");
  web->add_option("--port,-p", port, "Port (default: webserver_port, 8080; 0: any free port)")
      ->check(CLI::Range(0, 65535));
  web->callback([&state] { state.Run([&] { return WebserverCmd(state, host, port); }); });
}

}  // namespace weir
