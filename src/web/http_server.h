#pragma once

// weir's HTTP/1.1 server. It replaces cpp-httplib 0.11.4 (Debian's), which could not be made
// safe from outside: it reads no body of a GET (its bytes became the next request), has no
// limit on chunked or gzip bodies nor on the number of headers, and a client that sends one
// header line every 2 s holds one of its request threads for ever.
//
// How it works: one I/O thread owns every connection (epoll, non-blocking sockets). It reads
// a request's head and body within the limits and deadlines below, and only a complete request
// goes to one of the request threads; the answer is written by that thread as far as the
// socket takes it, and the I/O thread writes the rest. So a slow or idle client costs a buffer,
// never a thread, and request threads are busy only while a handler runs.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/status.h"
#include "web/http_request.h"

namespace weir {

struct HttpRequest {
  HttpRequestHead head;
  std::string body;
  std::string peer;  // the client's IP address ("127.0.0.1", "::1"), as the socket says
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // no Content-Length, Connection
  std::string body;
  bool close = false;  // close the connection after this answer
};

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port
  int threads = 64;
  HttpLimits limits;
  // From a request's first byte to the end of its headers; then to the end of its body; the
  // longest a kept-alive connection may wait for its next request; the longest an answer may
  // take to be sent. A connection past its deadline is closed (with a 408 when a request had
  // begun).
  std::chrono::milliseconds head_timeout{10'000};
  std::chrono::milliseconds body_timeout{30'000};
  std::chrono::milliseconds idle_timeout{5'000};
  std::chrono::milliseconds write_timeout{30'000};
  // Connections open at once; more are closed as soon as they are accepted.
  size_t max_connections = 1024;
};

// Answers one complete request; called on a request thread, many at once.
using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;
// The answer the server sends on its own (a refused or timed-out request): status and message.
using HttpErrorBody = std::function<HttpResponse(int status, std::string_view message)>;

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, HttpHandler handler, HttpErrorBody error_body);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens (an error names the address when it is taken), then serves on its own
  // threads until Stop().
  Status Start();
  // Stops accepting, lets running handlers finish, closes every connection. Idempotent.
  void Stop();
  int port() const { return port_; }

 private:
  struct Conn;
  using Clock = std::chrono::steady_clock;

  void IoLoop();
  void WorkLoop();
  void Accept();
  void OnEvent(Conn& c, uint32_t events);
  void ReadInput(Conn& c);
  void Advance(Conn& c);
  void Dispatch(Conn& c);
  void Refuse(Conn& c, int status, std::string_view message);
  // Puts the answer's bytes in c.out; called by the thread that owns c.
  void Serialize(Conn& c, const HttpResponse& response, bool head_only);
  void Flush(Conn& c);
  void Reset(Conn& c);  // after an answer: drops the request and the sent bytes
  void Linger(Conn& c);
  void Arm(Conn& c, uint32_t events);
  void Close(Conn& c);
  void Sweep();

  HttpServerOptions options_;
  HttpHandler handler_;
  HttpErrorBody error_body_;
  int port_ = 0;
  int listen_fd_ = -1;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;  // an eventfd: request threads hand connections back to the I/O thread
  std::atomic<bool> stopping_{false};
  bool started_ = false;
  std::thread io_thread_;
  std::vector<std::thread> workers_;
  // Owned by the I/O thread; a connection being handled is not touched by it.
  std::unordered_map<int, std::unique_ptr<Conn>> conns_;
  Clock::time_point last_sweep_{};

  std::mutex mu_;
  std::condition_variable work_cv_;
  std::deque<Conn*> jobs_;     // GUARDED_BY(mu_): complete requests for the request threads
  std::vector<Conn*> handed_;  // GUARDED_BY(mu_): answered, back to the I/O thread
};

}  // namespace weir
