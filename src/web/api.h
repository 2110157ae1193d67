#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "auth/login_throttle.h"
#include "base/json.h"
#include "base/secret_masker.h"
#include "base/status.h"
#include "engine/dag_registry.h"
#include "engine/scheduler.h"
#include "env/clock.h"
#include "store/metadata_store.h"
#include "web/long_polls.h"

namespace weir {

// What the REST API serves from: the metadata store (one connection per request thread,
// from a small pool) and the DAG specs (a registry reloaded in the background, for
// schedules in words, tasks and params).
struct ApiConfig {
  std::string database_url;
  std::string dags_folder;
  std::string logs_folder;
  std::string home;
  std::string wake_file;  // touched after a state change so the scheduler acts at once
  // Log requests that may wait for more output (?wait=) at once: in all, and per user.
  int max_long_polls = 16;
  int max_long_polls_per_user = 4;
  // The executor's slots (weir.yaml parallelism), for what a task waits for; 0: not considered.
  int parallelism = 0;
  // The scheduler of this process (`weir standalone`), whose store errors /health reports at
  // once; nullptr in a process without one (/health then goes by the heartbeat alone).
  const SchedulerHealth* scheduler_health = nullptr;
};

// A request as the API sees it: method, path below /api/v1, query parameters, and what
// authenticates it.
struct ApiRequest {
  std::string method;
  std::string path;  // "/dags/simple_dag/dagRuns"
  std::map<std::string, std::string> query;
  std::string body;          // JSON for POST and PATCH
  std::string session_id;    // the weir_session cookie
  std::string bearer_token;  // Authorization: Bearer ...
  std::string csrf_token;    // X-CSRF-Token
  // What a browser says about where a request comes from (checked on state changes).
  std::string content_type;    // Content-Type
  std::string origin;          // Origin
  std::string sec_fetch_site;  // Sec-Fetch-Site
  std::string host;            // Host
};

// A response: status and a JSON body, or plain text (logs).
struct ApiResponse {
  int status = 200;
  Json body;
  std::string text;                      // when set, sent as text/plain instead of body
  std::vector<std::string> set_cookies;  // Set-Cookie values
};

// The session cookie's name.
inline constexpr std::string_view kSessionCookie = "weir_session";

// The /api/v1 endpoints (docs/api.md). Thread-safe: Handle may be called from many
// threads at once.
class Api {
 public:
  static Result<std::unique_ptr<Api>> Open(ApiConfig config);
  ~Api();

  ApiResponse Handle(const ApiRequest& request);
  // Parses the DAGs folder again (the server calls it every few seconds).
  Status ReloadDags();

 private:
  explicit Api(ApiConfig config);
  class StoreLease;
  StoreLease Lease();
  std::shared_ptr<const std::map<std::string, LoadedDag>> Dags() const;
  // The masker every answer passes, for the secret values read for this request: built
  // again only when they changed.
  Result<std::shared_ptr<const SecretMasker>> Masker(MetadataStore& store);

  ApiConfig config_;
  SystemClock clock_;
  std::mutex pool_mu_;
  std::vector<std::unique_ptr<MetadataStore>> pool_;
  mutable std::shared_mutex dags_mu_;
  std::shared_ptr<const std::map<std::string, LoadedDag>> dags_;
  std::unique_ptr<MetadataStore> registry_store_;
  std::unique_ptr<DagRegistry> registry_;
  std::mutex reload_mu_;
  std::mutex masker_mu_;
  std::vector<std::string> masker_secrets_;     // GUARDED_BY(masker_mu_)
  std::shared_ptr<const SecretMasker> masker_;  // GUARDED_BY(masker_mu_)
  LoginThrottle unknown_users_;                 // failed logins to usernames that have no account
  LongPolls long_polls_;
};

// {"error": {"code": "...", "message": "..."}} with the HTTP status for `error`.
ApiResponse ErrorResponse(const Error& error);
ApiResponse ErrorResponse(int status, std::string_view code, std::string_view message);

}  // namespace weir
