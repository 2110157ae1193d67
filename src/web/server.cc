#include "web/server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include <functional>

#include "web/ui_assets.h"

namespace weir {

namespace {

void Send(httplib::Response& res, const ApiResponse& r) {
  res.status = r.status;
  for (const auto& cookie : r.set_cookies) res.headers.emplace("Set-Cookie", cookie);
  res.set_header("Cache-Control", "no-store");
  res.set_header("X-Content-Type-Options", "nosniff");
  if (!r.text.empty()) {
    res.set_content(r.text, "text/plain; charset=utf-8");
  } else {
    // A task's log or XCom may hold bytes that are not UTF-8: they become U+FFFD.
    res.set_content(r.body.dump(-1, ' ', false, Json::error_handler_t::replace),
                    "application/json");
  }
}

ApiRequest ToApiRequest(const httplib::Request& req, std::string_view prefix) {
  ApiRequest out;
  out.method = req.method;
  out.path = req.path.substr(prefix.size());
  for (const auto& [k, v] : req.params) out.query[k] = v;
  out.body = req.body;
  out.csrf_token = req.get_header_value("X-CSRF-Token");
  std::string auth = req.get_header_value("Authorization");
  if (auth.rfind("Bearer ", 0) == 0) out.bearer_token = auth.substr(7);
  // Cookie: a=1; weir_session=...; b=2
  std::string cookies = req.get_header_value("Cookie");
  std::string key = std::string(kSessionCookie) + "=";
  for (size_t at = 0; at < cookies.size();) {
    size_t end = cookies.find(';', at);
    std::string_view part(cookies.data() + at,
                          (end == std::string::npos ? cookies.size() : end) - at);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    if (part.rfind(key, 0) == 0) out.session_id = std::string(part.substr(key.size()));
    if (end == std::string::npos) break;
    at = end + 1;
  }
  return out;
}

// The UI's pages: the browser revalidates them (ETag) so a new weir binary's UI shows at once.
void ServeAsset(const httplib::Request& req, httplib::Response& res, std::string_view body,
                const char* content_type) {
  std::string etag = fmt::format("\"{:x}\"", std::hash<std::string_view>{}(body));
  res.set_header("ETag", etag);
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("X-Frame-Options", "DENY");
  res.set_header("Referrer-Policy", "same-origin");
  res.set_header("Content-Security-Policy",
                 "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                 "frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
  if (req.get_header_value("If-None-Match") == etag) {
    res.status = 304;
    return;
  }
  res.set_content(body.data(), body.size(), content_type);
}

}  // namespace

WebServer::WebServer(Api& api, WebServerOptions options)
    : api_(api), options_(std::move(options)), server_(std::make_unique<httplib::Server>()) {}

WebServer::~WebServer() { Stop(); }

Status WebServer::Start() {
  constexpr std::string_view kPrefix = "/api/v1";
  int threads = options_.threads;
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server_->set_keep_alive_max_count(static_cast<size_t>(options_.keep_alive_max_requests));
  server_->set_keep_alive_timeout(options_.keep_alive_timeout.count());
  // httplib writes the headers and the body separately; with Nagle's algorithm the body
  // waits for the client's delayed ACK of the headers (40 ms on Linux) on every request of
  // a kept-alive connection after the first: the grid's p50 was 44 ms for 1 ms of work.
  server_->set_tcp_nodelay(true);
  // SO_REUSEADDR only: httplib's default sets SO_REUSEPORT, with which a second weir
  // webserver on the same port starts "ready" and the kernel splits connections between
  // the two, instead of the second one failing.
  server_->set_socket_options([this](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    listen_socket_ = sock;
  });
  auto api = [this, kPrefix](const httplib::Request& req, httplib::Response& res) {
    Send(res, api_.Handle(ToApiRequest(req, kPrefix)));
  };
  const std::string pattern = std::string(kPrefix) + "(/.*)?";
  server_->Get(pattern, api);
  server_->Post(pattern, api);
  server_->Patch(pattern, api);
  server_->Delete(pattern, api);
  // The UI: one page (hash routes), its script and its stylesheet.
  server_->Get("/", [](const httplib::Request& req, httplib::Response& res) {
    ServeAsset(req, res, UiIndexHtml(), "text/html; charset=utf-8");
  });
  server_->Get("/assets/app.js", [](const httplib::Request& req, httplib::Response& res) {
    ServeAsset(req, res, UiAppJs(), "text/javascript; charset=utf-8");
  });
  server_->Get("/assets/style.css", [](const httplib::Request& req, httplib::Response& res) {
    ServeAsset(req, res, UiStyleCss(), "text/css; charset=utf-8");
  });
  server_->set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    Send(res, ErrorResponse(res.status, res.status == 404 ? "not_found" : "error",
                            res.status == 404 ? "no such page: " + req.path
                                              : "the request could not be served"));
  });
  server_->set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "internal error";
        try {
          std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        Send(res, ErrorResponse(500, "internal", what));
      });
  if (options_.port == 0) {
    port_ = server_->bind_to_any_port(options_.host);
  } else if (server_->bind_to_port(options_.host, options_.port)) {
    port_ = options_.port;
  }
  if (port_ <= 0) {
    return Err(ErrorCode::kUnavailable,
               "cannot listen on {}:{}: the port is taken or the address is not this machine's; "
               "set webserver_port in weir.yaml or pass --port",
               options_.host, options_.port);
  }
  // Debian's httplib listens with a backlog of 5 (CPPHTTPLIB_LISTEN_BACKLOG, built into the
  // shared library). Clients reconnect after every keep_alive_max_requests requests, so 50
  // connections overflowed it (nstat TcpExtListenOverflows); each dropped handshake is retried
  // after 1 s, then 3 s: wrk's p99 over 1 s and its 2 s time-outs. On Linux, listen() on a
  // listening socket sets a new backlog; the kernel caps it at net.core.somaxconn.
  if (::listen(listen_socket_, SOMAXCONN) != 0) {
    return Err(ErrorCode::kUnavailable, "cannot set the listen backlog on {}:{}: {}", options_.host,
               port_, std::strerror(errno));
  }
  listener_ = std::thread([this] { server_->listen_after_bind(); });
  reloader_ = std::thread([this] {
    while (!stopping_) {
      std::unique_lock lock(stop_mu_);
      stop_cv_.wait_for(lock, options_.dag_reload_interval, [this] { return stopping_.load(); });
      if (stopping_) break;
      if (Status s = api_.ReloadDags(); !s) {
        fmt::print(stderr, "weir webserver: reloading DAGs: {}\n", s.error().message);
      }
    }
  });
  return {};
}

void WebServer::Stop() {
  {
    std::lock_guard lock(stop_mu_);
    if (stopping_.exchange(true)) return;
  }
  stop_cv_.notify_all();
  if (server_) server_->stop();
  if (listener_.joinable()) listener_.join();
  if (reloader_.joinable()) reloader_.join();
}

}  // namespace weir
