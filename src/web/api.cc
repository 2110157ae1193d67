#include "web/api.h"

#include "web/api_internal.h"
#include "web/openapi.h"

#include <algorithm>
#include <filesystem>
#include <thread>

#include "auth/role.h"
#include "auth/secrets.h"
#include "base/strings.h"
#include "ops/registry.h"
#include "store/records_json.h"

namespace weir {

ApiResponse ErrorResponse(int status, std::string_view code, std::string_view message) {
  ApiResponse r;
  r.status = status;
  r.body = Json{{"error", {{"code", std::string(code)}, {"message", std::string(message)}}}};
  return r;
}

ApiResponse ErrorResponse(const Error& error) {
  return ErrorResponse(HttpStatus(error.code), ErrorCodeName(error.code), error.message);
}

// A store connection taken from the pool for one request, returned when done.
class Api::StoreLease {
 public:
  StoreLease(Api* api, std::unique_ptr<MetadataStore> store)
      : api_(api), store_(std::move(store)) {}
  StoreLease(StoreLease&&) = default;
  ~StoreLease() {
    if (store_ == nullptr) return;
    std::lock_guard lock(api_->pool_mu_);
    api_->pool_.push_back(std::move(store_));
  }
  MetadataStore* get() const { return store_.get(); }

 private:
  Api* api_;
  std::unique_ptr<MetadataStore> store_;
};

Api::Api(ApiConfig config, StoreOpener open_store, const Clock& clock, AttemptKiller& killer)
    : config_(std::move(config)),
      open_store_(std::move(open_store)),
      clock_(clock),
      killer_(killer),
      long_polls_(config_.max_long_polls, config_.max_long_polls_per_user) {}
Api::~Api() = default;

Result<std::unique_ptr<Api>> Api::Open(ApiConfig config, StoreOpener open_store, const Clock& clock,
                                       AttemptKiller& killer) {
  std::unique_ptr<Api> api(new Api(std::move(config), std::move(open_store), clock, killer));
  api->registry_store_ = TRY(api->open_store_());
  api->registry_ = std::make_unique<DagRegistry>(*api->registry_store_, api->clock_,
                                                 api->config_.dags_folder, OperatorSchemas());
  TRY(api->ReloadDags());
  return api;
}

Status Api::ReloadDags() {
  std::lock_guard reload(reload_mu_);
  TRY(registry_->Reload());
  auto copy = std::make_shared<const std::map<std::string, LoadedDag>>(registry_->dags());
  std::unique_lock lock(dags_mu_);
  dags_ = std::move(copy);
  return {};
}

std::shared_ptr<const std::map<std::string, LoadedDag>> Api::Dags() const {
  std::shared_lock lock(dags_mu_);
  return dags_;
}

Result<std::shared_ptr<const SecretMasker>> Api::Masker(MetadataStore& store) {
  std::vector<std::string> secrets = TRY(LoadSecretValues(store, config_.secret_key_file));
  std::lock_guard lock(masker_mu_);
  if (masker_ == nullptr || secrets != masker_secrets_) {
    masker_ = std::make_shared<const SecretMasker>(secrets);
    masker_secrets_ = std::move(secrets);
  }
  return masker_;
}

Api::StoreLease Api::Lease() {
  {
    std::lock_guard lock(pool_mu_);
    if (!pool_.empty()) {
      auto store = std::move(pool_.back());
      pool_.pop_back();
      return StoreLease(this, std::move(store));
    }
  }
  auto store = open_store_();
  return StoreLease(this, store ? std::move(*store) : nullptr);
}

namespace {

ApiResponse JsonResponse(Json body) {
  ApiResponse r;
  r.body = std::move(body);
  return r;
}

std::string SessionCookie(const std::string& value, int64_t max_age) {
  return fmt::format("{}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}", kSessionCookie, value,
                     max_age);
}

// Authentication failures as HTTP: 401 (who are you?) or 429 (locked after failed logins).
ApiResponse AuthError(const Error& e) {
  if (e.code == ErrorCode::kInvalidArgument)
    return ErrorResponse(401, "unauthenticated", e.message);
  if (e.code == ErrorCode::kFailedPrecondition) {
    return ErrorResponse(429, "too_many_requests", e.message);
  }
  return ErrorResponse(e);
}

}  // namespace

bool IsJsonContentType(std::string_view content_type) {
  std::string type = ToLower(content_type.substr(0, content_type.find(';')));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.pop_back();
  return type == "application/json";
}

Status FromThisSite(const ApiRequest& req) {
  // Browsers send Sec-Fetch-Site (and Origin) with every fetch that changes state; clients
  // that send neither (curl, scripts) are no browser, so no other site is driving them.
  const std::string& site = req.sec_fetch_site;
  if (!site.empty() && site != "same-origin" && site != "none") {
    return Err(ErrorCode::kInvalidArgument,
               "a state change from another site is refused (Sec-Fetch-Site: {})", site);
  }
  if (!req.origin.empty()) {
    size_t scheme = req.origin.find("://");
    std::string_view authority = scheme == std::string::npos
                                     ? std::string_view()
                                     : std::string_view(req.origin).substr(scheme + 3);
    if (authority.empty() || ToLower(authority) != ToLower(req.host)) {
      return Err(ErrorCode::kInvalidArgument,
                 "a state change from another site is refused (Origin {} is not {}); behind a "
                 "proxy, pass the Host header through",
                 req.origin, req.host);
    }
  }
  return {};
}

Role RoleNeeded(const ApiRequest& req, const std::vector<std::string>& segments) {
  if (!segments.empty() && segments[0] == "users") return Role::kAdmin;
  // Connections name hosts and accounts: Airflow's Op role, not its Viewer, sees them.
  if (!segments.empty() && segments[0] == "connections") return Role::kOp;
  return req.method == "GET" ? Role::kViewer : Role::kOp;
}

Result<Json> BodyObject(const ApiCtx& c) {
  if (c.req.body.empty()) return Json::object();
  auto parsed = ParseJson(c.req.body, "the request body");
  if (!parsed) return std::unexpected(parsed.error());
  if (!parsed->is_object()) {
    return Err(ErrorCode::kInvalidArgument, "the request body must be a JSON object");
  }
  return *parsed;
}

ApiResponse Api::Handle(const ApiRequest& req) {
  StoreLease lease = Lease();
  if (lease.get() == nullptr) {
    return ErrorResponse(503, "unavailable", "cannot open the metadata database");
  }
  MetadataStore& store = *lease.get();
  Authenticator auth(store, AuthOptions{}, &unknown_users_);
  Time now = clock_.Now();
  std::vector<std::string> segments = Segments(req.path);
  bool is_auth = segments.size() == 2 && segments[0] == "auth";

  // Public: health, and logging in.
  if (is_auth && segments[1] == "login" && req.method == "POST") {
    // A login form on another site must not log a browser in (login CSRF): a JSON body (which
    // a cross-site form cannot send without a preflight) from this site only.
    if (!IsJsonContentType(req.content_type)) {
      return ErrorResponse(415, "unsupported_media_type",
                           "send the login as Content-Type: application/json");
    }
    if (Status s = FromThisSite(req); !s)
      return ErrorResponse(403, "cross_site", s.error().message);
    auto body = ParseJson(req.body.empty() ? "{}" : req.body, "the request body");
    if (!body || !body->is_object() || !(*body)["username"].is_string() ||
        !(*body)["password"].is_string()) {
      return ErrorResponse(400, "invalid_argument",
                           "send {\"username\": \"...\", \"password\": \"...\"}");
    }
    auto login = auth.Login((*body)["username"].get<std::string>(),
                            (*body)["password"].get<std::string>(), now);
    if (!login) return AuthError(login.error());
    ApiResponse r = JsonResponse(Json{{"username", login->who.user.username},
                                      {"role", RoleName(login->who.role)},
                                      {"csrf_token", login->csrf_token},
                                      {"expires_at", FormatIso(login->expires_at)}});
    r.set_cookies.push_back(SessionCookie(
        login->session_id,
        std::chrono::duration_cast<std::chrono::seconds>(login->expires_at - now).count()));
    return r;
  }
  if (segments.size() == 1 && segments[0] == "openapi.json" && req.method == "GET") {
    static const Json kDocument = Json::parse(OpenApiDocument());  // checked by openapi_test
    return JsonResponse(kDocument);
  }
  bool is_health = segments.size() == 1 && segments[0] == "health" && req.method == "GET";

  // Everything else: a token or a session, the role the method needs, and for a session a
  // CSRF token on every state change.
  std::optional<AuthenticatedUser> who;
  if (!is_health) {
    Result<AuthenticatedUser> found =
        !req.bearer_token.empty() ? auth.TokenUser(req.bearer_token, now)
        : !req.session_id.empty()
            ? auth.SessionUser(req.session_id, now)
            : Result<AuthenticatedUser>(std::unexpected(Error{
                  ErrorCode::kInvalidArgument,
                  "log in first (POST /api/v1/auth/login) or send Authorization: Bearer <token>"}));
    if (!found) return AuthError(found.error());
    who = std::move(*found);
    bool writes = req.method != "GET";
    if (writes && req.bearer_token.empty()) {
      if (!SameSecret(req.csrf_token, who->csrf_token)) {
        return ErrorResponse(403, "csrf",
                             "a state change needs the X-CSRF-Token header of your session "
                             "(GET /api/v1/auth/me returns it)");
      }
      if (Status s = FromThisSite(req); !s) {
        return ErrorResponse(403, "cross_site", s.error().message);
      }
    }
    // Anyone may end their own session (with its CSRF token, checked above).
    if (is_auth && segments[1] == "logout" && req.method == "POST") {
      if (Status s = auth.Logout(req.session_id); !s) return ErrorResponse(s.error());
      ApiResponse r = JsonResponse(Json{{"logged_out", true}});
      r.set_cookies.push_back(SessionCookie("", 0));
      return r;
    }
    Role need = RoleNeeded(req, segments);
    if (!Allows(who->role, need)) {
      return ErrorResponse(403, "forbidden",
                           fmt::format("user {} has role {}; this needs {}", who->user.username,
                                       RoleName(who->role), RoleName(need)));
    }
  }

  auto dags = Dags();
  // A DAG the scheduler recorded (or changed) since the last reload: parse the folder now
  // rather than answer with an old spec, or none.
  if (segments.size() >= 2 && (segments[0] == "dags" || segments[0] == "transfers")) {
    auto row = store.GetDag(segments[1]);
    auto it = dags ? dags->find(segments[1]) : decltype(dags->end()){};
    bool stale =
        row && (!dags || it == dags->end() || it->second.version_id != row->latest_version_id);
    if (stale && ReloadDags()) dags = Dags();
  }
  static const std::map<std::string, LoadedDag> kNone;
  // The one place every answer passes on its way out: no secret variable's value leaves the
  // API, in any field (arguments, XCom, errors, conf, logs) or error message. /health shows
  // none, and must answer even when the database cannot.
  auto masker =
      is_health ? std::make_shared<const SecretMasker>() : Masker(store).value_or(nullptr);
  if (masker == nullptr) {
    return ErrorResponse(503, "unavailable", "cannot read the secret variables to mask the answer");
  }
  const std::function<Status()> reload = [this] { return ReloadDags(); };
  ApiCtx c{store,   dags ? *dags : kNone,  config_, req,         clock_,
           killer_, who ? &*who : nullptr, *masker, long_polls_, reload};
  if (auto file = RouteDownload(c, segments)) {
    if (!*file) return ErrorResponse(file->error());
    ApiResponse r;
    r.text = masker->Mask((*file)->text);
    r.download_name = std::move((*file)->name);
    return r;
  }
  auto body = RouteRequest(c, segments);
  ApiResponse r = body ? JsonResponse(std::move(*body)) : ErrorResponse(body.error());
  masker->MaskJson(r.body);
  return r;
}

}  // namespace weir
