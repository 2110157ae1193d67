#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "base/status.h"
#include "web/api.h"

namespace httplib {
class Server;
}

namespace weir {

struct WebServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port (see WebServer::port())
  // Request threads. cpp-httplib serves a connection on one thread for as long as it is kept
  // alive, so this bounds the connections served at once; more wait, accepted, for a thread.
  // 64 covers a benchmark's 50 connections or a dozen browsers (6 each); threads that wait
  // cost little memory (their stacks are mapped, not touched).
  int threads = 64;
  // A connection gives its thread back after this many requests, or this long idle, so
  // connections beyond `threads` take turns instead of waiting for a busy one to close.
  // (With 100 requests, 100 connections on 64 threads saw wrk's 2 s time-outs.)
  int keep_alive_max_requests = 5;
  std::chrono::seconds keep_alive_timeout{5};
  std::chrono::milliseconds dag_reload_interval{5000};
};

// The HTTP server: /api/v1/... goes to the Api; other paths are 404 until the UI lands.
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
  int port() const { return port_; }

 private:
  Api& api_;
  WebServerOptions options_;
  std::unique_ptr<httplib::Server> server_;
  std::thread listener_;
  std::thread reloader_;
  std::atomic<bool> stopping_{false};
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;  // wakes the reloader at Stop()
  int port_ = 0;
  int listen_socket_ = -1;  // set while binding, by the socket options callback
};

}  // namespace weir
