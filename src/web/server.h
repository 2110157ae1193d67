#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "base/status.h"
#include "web/api.h"
#include "web/http_server.h"

namespace weir {

// When the session cookie carries the Secure attribute (the browser then sends it over HTTPS
// only): never (weir serves plain HTTP itself), always (weir is reached through a TLS proxy
// only), or when the request's X-Forwarded-Proto says https (a proxy that sets it, and that
// clients cannot reach around).
enum class SecureCookies { kNever, kAlways, kForwarded };

struct WebServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port (see WebServer::port())
  // Request threads: each runs one request's handler at a time. Connections do not hold one
  // while they are idle or sending slowly (see http_server.h).
  int threads = 64;
  // The largest request body (webserver_max_body_bytes); larger ones get a 413.
  size_t max_body_bytes = 1024 * 1024;
  SecureCookies secure_cookies = SecureCookies::kNever;
  std::chrono::milliseconds dag_reload_interval{5000};
};

// The HTTP server: /api/v1/... goes to the Api, / and /assets/... are the UI.
// Start() binds and serves on its own threads; Stop() ends it.
class WebServer {
 public:
  WebServer(Api& api, WebServerOptions options);
  ~WebServer();
  WebServer(const WebServer&) = delete;
  WebServer& operator=(const WebServer&) = delete;

  // Binds the port (an error names the address when it is taken) and starts serving.
  Status Start();
  void Stop();
  int port() const { return http_ ? http_->port() : 0; }

 private:
  HttpResponse Serve(const HttpRequest& req);

  Api& api_;
  WebServerOptions options_;
  std::unique_ptr<HttpServer> http_;
  std::thread reloader_;
  std::atomic<bool> stopping_{false};
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;  // wakes the reloader at Stop()
};

}  // namespace weir
