#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
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
#include "exec/executor.h"
#include "store/metadata_store.h"
#include "web/long_polls.h"

namespace weir {

// Opens a new connection to the metadata store (already migrated). The API calls it for its
// DAG registry and whenever a request finds no idle connection in its pool; connections are
// used by one request at a time. An error makes that request a 503.
using StoreOpener = std::function<Result<std::unique_ptr<MetadataStore>>()>;

// What the REST API serves from besides its store: the DAG specs (a registry reloaded in the
// background, for schedules in words, tasks and params), the logs, and its limits.
struct ApiConfig {
  std::string dags_folder;
  std::string logs_folder;
  std::string home;
  std::string wake_file;        // touched after a state change so the scheduler acts at once
  std::string secret_key_file;  // the keys that open stored connections (env/seal_keys.h)
  // Log requests that may wait for more output (?wait=) at once: in all, and per user.
  int max_long_polls = 16;
  int max_long_polls_per_user = 4;
  // The executor's slots (weir.yaml parallelism), for what a task waits for; 0: not considered.
  int parallelism = 0;
  // The scheduler of this process (`weir standalone`), whose store errors /health reports at
  // once; nullptr in a process without one (/health then goes by the heartbeat alone).
  const SchedulerHealth* scheduler_health = nullptr;
  // Distributed mode: the executor ("local" or "redis"), its Redis and how long a worker's
  // claim lasts (a worker whose heartbeat is older is gone).
  std::string executor = "local";
  std::string redis_url{};
  Duration claim_ttl = std::chrono::seconds(20);
  // remote_logs (engine/remote_logs.h): where a try's log is read when its file is missing;
  // "": nowhere. Reached through the connection lake_conn_id names, as the lake is.
  std::string remote_logs{};
  std::string lake_conn_id{};
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
  std::string remote_addr;     // the client's IP address (recorded in the audit log)
};

// A response: status and a JSON body, or plain text (logs).
struct ApiResponse {
  int status = 200;
  Json body;
  std::optional<std::string> text;       // when set, sent as text/plain instead of body
  std::string download_name;             // when set, the text is a file to save by this name
  std::vector<std::string> set_cookies;  // Set-Cookie values
};

// The session cookie's name.
inline constexpr std::string_view kSessionCookie = "weir_session";

// The /api/v1 endpoints (docs/api.md). Thread-safe: Handle may be called from many
// threads at once.
//
// Its collaborators come from its caller and outlive it: `open_store` for the metadata store
// (one connection per request in flight, pooled: a connection is never shared by two threads),
// `clock` for "now" (sessions, tokens, audit events, triggers), and `killer` to end the
// running attempts of the task instances a request clears or marks (the executor of the
// process, or LocalAttemptKiller in a process that runs none).
class Api {
 public:
  // Opens the DAG registry's connection and loads the DAGs folder; their errors.
  static Result<std::unique_ptr<Api>> Open(ApiConfig config, StoreOpener open_store,
                                           const Clock& clock, AttemptKiller& killer);
  ~Api();

  ApiResponse Handle(const ApiRequest& request);
  // Parses the DAGs folder again (the server calls it every few seconds).
  Status ReloadDags();

 private:
  Api(ApiConfig config, StoreOpener open_store, const Clock& clock, AttemptKiller& killer);
  class StoreLease;
  StoreLease Lease();
  std::shared_ptr<const std::map<std::string, LoadedDag>> Dags() const;
  // The masker every answer passes, for the secret values read for this request: built
  // again only when they changed.
  Result<std::shared_ptr<const SecretMasker>> Masker(MetadataStore& store);

  const ApiConfig config_;
  const StoreOpener open_store_;
  const Clock& clock_;
  AttemptKiller& killer_;
  std::mutex pool_mu_;
  std::vector<std::unique_ptr<MetadataStore>> pool_;  // GUARDED_BY(pool_mu_): idle connections
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
