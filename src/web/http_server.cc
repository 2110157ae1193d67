#include "web/http_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "base/http_status.h"

namespace weir {

namespace {

// A status weir does not name still needs a phrase on the status line.
std::string_view ReasonOf(int status) {
  std::string_view reason = HttpReason(status);
  return reason.empty() ? "Status" : reason;
}

constexpr size_t kReadChunk = 16 * 1024;
// After refusing a request, the server stops writing and reads (and drops) what the client
// still sends for a moment before closing, so that the client reads the answer instead of a
// reset. Never more than this long, or this much.
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr size_t kLingerBytes = 4 * 1024 * 1024;
// How long a request thread waits for a client to take more of its answer.
constexpr auto kStall = std::chrono::milliseconds(100);

// The numeric address of an accepted client ("" for a family other than IPv4 and IPv6); an
// IPv4 client of an IPv6 socket shows as IPv4.
std::string PeerAddress(const sockaddr_storage& from) {
  char text[INET6_ADDRSTRLEN] = "";
  if (from.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&from)->sin_addr, text, sizeof text);
  } else if (from.ss_family == AF_INET6) {
    const in6_addr& a = reinterpret_cast<const sockaddr_in6*>(&from)->sin6_addr;
    if (IN6_IS_ADDR_V4MAPPED(&a)) {
      inet_ntop(AF_INET, &a.s6_addr[12], text, sizeof text);
    } else {
      inet_ntop(AF_INET6, &a, text, sizeof text);
    }
  }
  return text;
}

void SetNonBlocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL, 0) | O_NONBLOCK); }

}  // namespace

struct HttpServer::Conn {
  enum class Phase { kReading, kHandling, kWriting, kLingering };
  int fd = -1;
  // Written by the thread that owns the connection; read by the I/O thread's sweep too. A
  // request thread owns it while it is kHandling and hands it back by storing another phase.
  std::atomic<Phase> phase = Phase::kReading;
  std::string in;   // received, not yet consumed
  std::string out;  // to send, from out_at
  size_t out_at = 0;
  bool has_head = false;  // `head` is parsed; the body is being read
  size_t head_size = 0;
  bool peer_closed = false;
  std::string peer;  // the client's address
  bool close_after = false;
  HttpRequest request;  // while handling
  Clock::time_point deadline{};
  size_t lingered = 0;
};

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler, HttpErrorBody error_body)
    : options_(std::move(options)),
      handler_(std::move(handler)),
      error_body_(std::move(error_body)) {}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Start() {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  std::string port_text = std::to_string(options_.port);
  int gai = getaddrinfo(options_.host.c_str(), port_text.c_str(), &hints, &found);
  for (addrinfo* a = gai == 0 ? found : nullptr; a != nullptr && listen_fd_ < 0; a = a->ai_next) {
    int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    // SO_REUSEADDR but not SO_REUSEPORT: a second weir on a taken port must fail, not share it.
    int yes = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (bind(fd, a->ai_addr, a->ai_addrlen) == 0 && listen(fd, SOMAXCONN) == 0) {
      listen_fd_ = fd;
    } else {
      close(fd);
    }
  }
  if (found != nullptr) freeaddrinfo(found);
  if (listen_fd_ < 0) {
    return Err(ErrorCode::kUnavailable,
               "cannot listen on {}:{}: the port is taken or the address is not this machine's; "
               "set webserver_port in weir.yaml or pass --port",
               options_.host, options_.port);
  }
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&bound), &len);
  port_ = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                            : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  SetNonBlocking(listen_fd_);
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epoll_fd_ < 0 || wake_fd_ < 0) {
    return Err(ErrorCode::kUnavailable, "cannot start the web server: {}", std::strerror(errno));
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = &listen_fd_;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd_, &ev);
  ev.data.ptr = &wake_fd_;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
  started_ = true;
  for (int i = 0; i < options_.threads; ++i) workers_.emplace_back([this] { WorkLoop(); });
  io_thread_ = std::thread([this] { IoLoop(); });
  return {};
}

void HttpServer::Stop() {
  if (stopping_.exchange(true) || !started_) return;
  uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof one);
  if (io_thread_.joinable()) io_thread_.join();
  work_cv_.notify_all();
  for (auto& t : workers_) t.join();
  for (auto& [fd, conn] : conns_) close(fd);
  conns_.clear();
  close(listen_fd_);
  close(epoll_fd_);
  close(wake_fd_);
}

void HttpServer::IoLoop() {
  std::vector<epoll_event> events(256);
  while (!stopping_) {
    int n = epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), 250);
    for (int i = 0; i < n && !stopping_; ++i) {
      void* tag = events[i].data.ptr;
      if (tag == &listen_fd_) {
        Accept();
      } else if (tag == &wake_fd_) {
        uint64_t count;
        (void)!read(wake_fd_, &count, sizeof count);
        std::vector<Conn*> handed;
        {
          std::lock_guard lock(mu_);
          handed.swap(handed_);
        }
        for (Conn* c : handed) {
          c->phase = Conn::Phase::kWriting;
          c->deadline = Clock::now() + options_.write_timeout;
          Flush(*c);
        }
      } else {
        OnEvent(*static_cast<Conn*>(tag), events[i].events);
      }
    }
    if (Clock::now() - last_sweep_ >= std::chrono::milliseconds(250)) Sweep();
  }
}

void HttpServer::WorkLoop() {
  for (;;) {
    Conn* c = nullptr;
    {
      std::unique_lock lock(mu_);
      work_cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;
      c = jobs_.front();
      jobs_.pop_front();
    }
    const HttpRequestHead& head = c->request.head;
    HttpResponse response;
    try {
      response = handler_(c->request);
    } catch (const std::exception& e) {
      response = error_body_(500, e.what());
    } catch (...) {
      response = error_body_(500, "internal error");
    }
    Serialize(*c, response, head.method == "HEAD");
    // Send the answer while the client takes it. A client reading at a normal pace drains a
    // large answer (a DAG list, a log) within milliseconds; one that stalls longer than
    // kStall is left to the I/O thread rather than hold this thread.
    auto stalled_at = Clock::now() + kStall;
    while (c->out_at < c->out.size()) {
      ssize_t sent = send(c->fd, c->out.data() + c->out_at, c->out.size() - c->out_at,
                          MSG_NOSIGNAL | MSG_DONTWAIT);
      if (sent > 0) {
        c->out_at += static_cast<size_t>(sent);
        stalled_at = Clock::now() + kStall;
        continue;
      }
      if (sent < 0 && errno == EINTR) continue;
      auto left = std::chrono::ceil<std::chrono::milliseconds>(stalled_at - Clock::now());
      if (sent == 0 || errno != EAGAIN || left.count() <= 0) break;
      pollfd writable{c->fd, POLLOUT, 0};
      poll(&writable, 1, static_cast<int>(left.count()));
    }
    if (c->out_at == c->out.size() && !c->close_after && c->in.empty()) {
      // The usual case: all sent, nothing more received. Wait for the next request without a
      // detour through the I/O thread, which a busy machine may not schedule at once.
      Reset(*c);
      c->deadline = Clock::now() + options_.idle_timeout;
      c->phase.store(Conn::Phase::kReading, std::memory_order_release);
      Arm(*c, EPOLLIN);  // from here on the I/O thread owns c
      continue;
    }
    {
      std::lock_guard lock(mu_);
      handed_.push_back(c);
    }
    uint64_t one = 1;
    (void)!write(wake_fd_, &one, sizeof one);
  }
}

void HttpServer::Accept() {
  for (;;) {
    sockaddr_storage from{};
    socklen_t from_len = sizeof from;
    int fd = accept4(listen_fd_, reinterpret_cast<sockaddr*>(&from), &from_len,
                     SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;  // EAGAIN, or a transient error: the next readiness tries again
    if (conns_.size() >= options_.max_connections) {
      close(fd);
      continue;
    }
    // Headers and body go out in one write, but a response split by a full socket buffer must
    // not wait for the client's delayed ACK (40 ms on Linux).
    int yes = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    auto conn = std::make_unique<Conn>();
    conn->fd = fd;
    conn->peer = PeerAddress(from);
    conn->deadline = Clock::now() + options_.idle_timeout;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLONESHOT;
    ev.data.ptr = conn.get();
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
      close(fd);
      continue;
    }
    conns_.emplace(fd, std::move(conn));
  }
}

void HttpServer::Arm(Conn& c, uint32_t events) {
  epoll_event ev{};
  ev.events = events | EPOLLONESHOT;
  ev.data.ptr = &c;
  epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd, &ev);
}

void HttpServer::Close(Conn& c) {
  int fd = c.fd;
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  close(fd);
  conns_.erase(fd);  // destroys c
}

void HttpServer::OnEvent(Conn& c, uint32_t events) {
  switch (c.phase.load()) {
    case Conn::Phase::kReading:
      ReadInput(c);
      Advance(c);
      return;
    case Conn::Phase::kWriting:
      Flush(c);
      return;
    case Conn::Phase::kLingering: {
      char buf[kReadChunk];
      for (;;) {
        ssize_t got = recv(c.fd, buf, sizeof buf, 0);
        if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) return Close(c);
        if (got < 0) break;
        c.lingered += static_cast<size_t>(got);
        if (c.lingered > kLingerBytes) return Close(c);
      }
      Arm(c, EPOLLIN);
      return;
    }
    case Conn::Phase::kHandling:
      (void)events;  // not armed while handled
      return;
  }
}

void HttpServer::ReadInput(Conn& c) {
  // Never more than one request can need: its head and its body, plus one read.
  const size_t cap = options_.limits.max_head + options_.limits.max_body + kReadChunk;
  char buf[kReadChunk];
  while (c.in.size() < cap) {
    ssize_t got = recv(c.fd, buf, sizeof buf, 0);
    if (got > 0) {
      // A request's first byte starts its head deadline.
      if (c.in.empty() && !c.has_head) c.deadline = Clock::now() + options_.head_timeout;
      c.in.append(buf, static_cast<size_t>(got));
      continue;
    }
    if (got < 0 && errno == EINTR) continue;
    if (got == 0 || errno != EAGAIN) c.peer_closed = true;
    return;
  }
}

// Parses what has arrived: a complete request goes to a request thread, a broken one is
// refused, an incomplete one waits for more.
void HttpServer::Advance(Conn& c) {
  if (!c.has_head) {
    auto end = FindHeadEnd(c.in, options_.limits);
    if (!end) return Refuse(c, end.error().status, end.error().message);
    if (*end == 0) {
      if (c.peer_closed) return Close(c);
      return Arm(c, EPOLLIN);
    }
    auto head = ParseHead(std::string_view(c.in).substr(0, *end), options_.limits);
    if (!head) return Refuse(c, head.error().status, head.error().message);
    c.request.head = std::move(*head);
    c.has_head = true;
    c.head_size = *end;
    c.deadline = Clock::now() + options_.body_timeout;
    if (c.request.head.expect_continue &&
        c.in.size() < c.head_size + c.request.head.content_length) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      (void)!send(c.fd, kContinue.data(), kContinue.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    }
  }
  size_t total = c.head_size + c.request.head.content_length;
  if (c.in.size() < total) {
    if (c.peer_closed) return Close(c);
    return Arm(c, EPOLLIN);
  }
  // Every request's body is read, whatever its method: the next request starts after it.
  c.request.body = c.in.substr(c.head_size, c.request.head.content_length);
  c.in.erase(0, total);
  c.has_head = false;
  c.close_after = !c.request.head.keep_alive || c.peer_closed;
  c.request.peer = c.peer;
  Dispatch(c);
}

void HttpServer::Dispatch(Conn& c) {
  c.phase = Conn::Phase::kHandling;
  {
    std::lock_guard lock(mu_);
    jobs_.push_back(&c);
  }
  work_cv_.notify_one();
}

void HttpServer::Refuse(Conn& c, int status, std::string_view message) {
  HttpResponse response = error_body_(status, message);
  response.close = true;
  c.has_head = false;
  c.in.clear();
  Serialize(c, response, false);
  c.phase = Conn::Phase::kWriting;
  c.deadline = Clock::now() + options_.write_timeout;
  Flush(c);
}

void HttpServer::Serialize(Conn& c, const HttpResponse& response, bool head_only) {
  bool close_after = c.close_after || response.close || stopping_;
  std::string& out = c.out;
  out.clear();
  out.reserve(256 + response.body.size());
  out += fmt::format("HTTP/1.1 {} {}\r\n", response.status, ReasonOf(response.status));
  for (const auto& [name, value] : response.headers) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  if (response.status != 304 && response.status != 204) {
    out += fmt::format("Content-Length: {}\r\n", response.body.size());
  }
  if (close_after) out += "Connection: close\r\n";
  out += "\r\n";
  if (!head_only && response.status != 304 && response.status != 204) out += response.body;
  c.out_at = 0;
  c.close_after = close_after;
}

// Sends what is left of the answer; then reads the next request, or closes.
void HttpServer::Flush(Conn& c) {
  while (c.out_at < c.out.size()) {
    ssize_t sent =
        send(c.fd, c.out.data() + c.out_at, c.out.size() - c.out_at, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent > 0) {
      c.out_at += static_cast<size_t>(sent);
    } else if (sent < 0 && errno == EINTR) {
      continue;
    } else if (sent < 0 && errno == EAGAIN) {
      return Arm(c, EPOLLOUT);
    } else {
      return Close(c);
    }
  }
  Reset(c);
  if (c.close_after) return Linger(c);
  c.phase = Conn::Phase::kReading;
  c.deadline = Clock::now() + (c.in.empty() ? options_.idle_timeout : options_.head_timeout);
  Advance(c);  // a request sent behind this one may be complete already
}

void HttpServer::Reset(Conn& c) {
  c.request = HttpRequest();
  c.out.clear();
  c.out_at = 0;
  if (c.out.capacity() > 64 * 1024) c.out = std::string();  // an idle connection keeps little
}

void HttpServer::Linger(Conn& c) {
  shutdown(c.fd, SHUT_WR);
  c.phase = Conn::Phase::kLingering;
  c.in.clear();
  c.in.shrink_to_fit();
  c.deadline = Clock::now() + kLingerTime;
  Arm(c, EPOLLIN);
}

void HttpServer::Sweep() {
  auto now = Clock::now();
  last_sweep_ = now;
  std::vector<Conn*> late;
  for (auto& [fd, conn] : conns_) {
    if (conn->phase != Conn::Phase::kHandling && conn->deadline <= now) late.push_back(conn.get());
  }
  for (Conn* c : late) {
    if (c->phase == Conn::Phase::kReading && (c->has_head || !c->in.empty())) {
      Refuse(*c, 408, "the request was not received in time");
    } else {
      Close(*c);
    }
  }
}

}  // namespace weir
