#include "web/server.h"

#include <functional>

#include "base/log.h"
#include "web/ui_assets.h"

namespace weir {

namespace {

constexpr std::string_view kApiPrefix = "/api/v1";

HttpResponse ToHttp(const ApiResponse& r, bool secure_cookies) {
  HttpResponse res;
  res.status = r.status;
  for (const auto& cookie : r.set_cookies) {
    res.headers.emplace_back("Set-Cookie", secure_cookies ? cookie + "; Secure" : cookie);
  }
  res.headers.emplace_back("Cache-Control", "no-store");
  res.headers.emplace_back("X-Content-Type-Options", "nosniff");
  if (r.text) {
    res.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
    if (!r.download_name.empty()) {
      res.headers.emplace_back("Content-Disposition",
                               fmt::format("attachment; filename=\"{}\"", r.download_name));
    }
    res.body = *r.text;
  } else {
    res.headers.emplace_back("Content-Type", "application/json");
    // A task's log or XCom may hold bytes that are not UTF-8: they become U+FFFD.
    res.body = r.body.dump(-1, ' ', false, Json::error_handler_t::replace);
  }
  return res;
}

HttpResponse JsonError(int status, std::string_view message) {
  std::string_view code = status == 404   ? "not_found"
                          : status == 413 ? "payload_too_large"
                          : status == 415 ? "unsupported_media_type"
                          : status == 405 ? "method_not_allowed"
                          : status == 408 ? "request_timeout"
                                          : "bad_request";
  return ToHttp(ErrorResponse(status, code, message), false);
}

// Cookie: a=1; weir_session=...; b=2
std::string SessionIdOf(const std::string& cookies) {
  std::string key = std::string(kSessionCookie) + "=";
  std::string found;
  for (size_t at = 0; at < cookies.size();) {
    size_t end = cookies.find(';', at);
    std::string_view part(cookies.data() + at,
                          (end == std::string::npos ? cookies.size() : end) - at);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    if (part.rfind(key, 0) == 0) found = std::string(part.substr(key.size()));
    if (end == std::string::npos) break;
    at = end + 1;
  }
  return found;
}

ApiRequest ToApiRequest(const HttpRequest& req) {
  const HttpRequestHead& h = req.head;
  ApiRequest out;
  // HEAD is a GET whose body is not sent (the server drops it).
  out.method = h.method == "HEAD" ? "GET" : h.method;
  out.path = h.path.substr(kApiPrefix.size());
  out.query = h.query;
  out.body = req.body;
  out.csrf_token = h.Header("x-csrf-token");
  std::string auth = h.Header("authorization");
  if (auth.rfind("Bearer ", 0) == 0) out.bearer_token = auth.substr(7);
  out.session_id = SessionIdOf(h.Header("cookie"));
  out.content_type = h.Header("content-type");
  out.origin = h.Header("origin");
  out.sec_fetch_site = h.Header("sec-fetch-site");
  out.host = h.Header("host");
  out.remote_addr = req.peer;
  return out;
}

// The UI's pages: the browser revalidates them (ETag) so a new weir binary's UI shows at once.
HttpResponse ServeAsset(const HttpRequest& req, std::string_view body, const char* content_type) {
  HttpResponse res;
  std::string etag = fmt::format("\"{:x}\"", std::hash<std::string_view>{}(body));
  res.headers = {{"ETag", etag},
                 {"Cache-Control", "no-cache"},
                 {"X-Content-Type-Options", "nosniff"},
                 {"X-Frame-Options", "DENY"},
                 {"Referrer-Policy", "same-origin"},
                 {"Content-Security-Policy",
                  "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                  "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"}};
  if (req.head.Header("if-none-match") == etag) {
    res.status = 304;
    return res;
  }
  res.headers.emplace_back("Content-Type", content_type);
  res.body = std::string(body);
  return res;
}

}  // namespace

WebServer::WebServer(Api& api, WebServerOptions options)
    : api_(api), options_(std::move(options)) {}

WebServer::~WebServer() { Stop(); }

HttpResponse WebServer::Serve(const HttpRequest& req) {
  const HttpRequestHead& h = req.head;
  bool read = h.method == "GET" || h.method == "HEAD";
  bool api = h.path == kApiPrefix || h.path.starts_with(std::string(kApiPrefix) + "/");
  if (api) {
    if (!read && h.method != "POST" && h.method != "PATCH" && h.method != "DELETE") {
      return JsonError(405, fmt::format("{} is not a method of this API", h.method));
    }
    bool secure = options_.secure_cookies == SecureCookies::kAlways ||
                  (options_.secure_cookies == SecureCookies::kForwarded &&
                   h.Header("x-forwarded-proto") == "https");
    return ToHttp(api_.Handle(ToApiRequest(req)), secure);
  }
  if (read && h.path == "/") return ServeAsset(req, UiIndexHtml(), "text/html; charset=utf-8");
  if (read && h.path == "/assets/app.js") {
    return ServeAsset(req, UiAppJs(), "text/javascript; charset=utf-8");
  }
  if (read && h.path == "/assets/style.css") {
    return ServeAsset(req, UiStyleCss(), "text/css; charset=utf-8");
  }
  return JsonError(404, "no such page: " + h.path);
}

Status WebServer::Start() {
  HttpServerOptions http;
  http.host = options_.host;
  http.port = options_.port;
  http.threads = options_.threads;
  http.limits.max_body = options_.max_body_bytes;
  http_ = std::make_unique<HttpServer>(
      http, [this](const HttpRequest& req) { return Serve(req); }, JsonError);
  TRY(http_->Start());
  reloader_ = std::thread([this] {
    while (!stopping_) {
      std::unique_lock lock(stop_mu_);
      stop_cv_.wait_for(lock, options_.dag_reload_interval, [this] { return stopping_.load(); });
      if (stopping_) break;
      if (Status s = api_.ReloadDags(); !s) {
        Log::Warn("webserver: reloading DAGs: {}", s.error().message);
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
  if (http_) http_->Stop();
  if (reloader_.joinable()) reloader_.join();
}

}  // namespace weir
