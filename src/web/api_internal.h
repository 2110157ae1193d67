#pragma once

// Shared by the API's source files; not part of the web layer's interface.

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "auth/authenticator.h"
#include "base/secret_masker.h"
#include "engine/audited_actions.h"
#include "engine/dag_registry.h"
#include "env/clock.h"
#include "web/api.h"

namespace weir {

// One request in progress: the store connection leased for it, the DAG specs, who asked.
struct ApiCtx {
  MetadataStore& store;
  const std::map<std::string, LoadedDag>& dags;
  const ApiConfig& config;
  const ApiRequest& req;
  const Clock& clock;
  AttemptKiller& killer;         // ends the attempts of what a request clears or marks
  const AuthenticatedUser* who;  // null for the public endpoints
  const SecretMasker& masker;    // every answer passes it (Api::Handle); logs use it by range
  LongPolls& long_polls;
  // Parses the DAGs folder again now (after a request wrote a DAG file: a transfer job's).
  const std::function<Status()>& reload_dags;
};

// HTTP status for an error code: 400, 404, 409, 503, 504, else 500.
int HttpStatus(ErrorCode code);

// The non-empty segments of a path.
std::vector<std::string> Segments(std::string_view path);

// `text` as a whole number from min to max; a 400 naming `what` otherwise.
Result<int64_t> WholeNumber(std::string_view text, std::string_view what, int64_t min, int64_t max);

// A whole-number query parameter; `fallback` when absent. Bad values are a 400, never a
// silent default.
Result<int64_t> IntParam(const ApiRequest& req, const std::string& name, int64_t fallback,
                         int64_t min, int64_t max);

// limit (default 100, at most 1000) and offset, as {limit, offset}.
Result<std::pair<int, int>> Page(const ApiRequest& req);

// A query parameter's value; empty when absent.
std::string QueryParam(const ApiRequest& req, const std::string& name);

// true/false, nullopt when absent; a 400 otherwise.
Result<std::optional<bool>> BoolParam(const ApiRequest& req, const std::string& name);

// The items of one page (limit, offset) of `items`.
template <typename T>
std::span<const T> PageSlice(const std::vector<T>& items, std::pair<int, int> page) {
  size_t start = std::min(items.size(), static_cast<size_t>(page.second));
  size_t end = std::min(items.size(), start + static_cast<size_t>(page.first));
  return std::span<const T>(items).subspan(start, end - start);
}

// One page of `items` as {"<name>": [...], "total_entries": n}.
template <typename T, typename F>
Json PageOf(const std::vector<T>& items, std::pair<int, int> page, std::string_view name,
            F to_json) {
  Json list = Json::array();
  for (const T& item : PageSlice(items, page)) list.push_back(to_json(item));
  return Json{{std::string(name), std::move(list)}, {"total_entries", items.size()}};
}

// Every API path: GET endpoints here, the others through RouteWrite. A 404 for unknown paths.
Result<Json> RouteRequest(ApiCtx& c, const std::vector<std::string>& segments);

// The request body as a JSON object (an empty body is {}); a 400 naming the problem
// otherwise.
Result<Json> BodyObject(const ApiCtx& c);

// An integer field of a JSON body from min to max; `fallback` when it is absent or null
// (nullopt: the field is required). A 400 naming the field and the range otherwise: a float,
// a string, or a number out of range (never wrapped around, never truncated).
Result<int64_t> IntField(const Json& body, const char* name, int64_t min, int64_t max,
                         std::optional<int64_t> fallback);

// Fields of a JSON body: absent or null gives `fallback` (or "", or a 400 when `required`);
// a value of another type is a 400 naming the field.
Result<bool> BoolField(const Json& body, const char* name, bool fallback);
Result<std::string> StringField(const Json& body, const char* name, bool required);
// The request's actions, recorded in the audit log as its user's.
AuditedActions Audited(const ApiCtx& c);
// A DELETE's answer: {"deleted": key} once the store has deleted it.
Result<Json> Deleted(const Status& deleted, const std::string& key);

// /connections (api_connections.cc): role op, secrets write-only. nullopt for other paths.
std::optional<Result<Json>> RouteConnections(ApiCtx& c, const std::vector<std::string>& segments);

// POST, PATCH and DELETE endpoints: triggering, clearing, marking, pausing, variables.
// nullopt when no write endpoint has this path.
std::optional<Result<Json>> RouteWrite(ApiCtx& c, const std::vector<std::string>& segments);

// GET .../dagRuns/{run}/dependencies: what the run and each of its task instances wait for
// (docs/api.md); GET .../taskInstances/{task}/dependencies: Airflow's, for one task instance.
Result<Json> RunDependencies(ApiCtx& c, const std::string& dag_id, const std::string& run_id);
Result<Json> TaskDependencies(ApiCtx& c, const std::string& dag_id, const std::string& run_id,
                              const std::string& task_id);

// api_browse.cc: runs and task instances of one DAG or every DAG (`~`), the calendar, pools
// with the slots in use, notes. RunFilterOf reads run_type, logical_date_gte/lte and, with
// `with_states`, state (the run states).
Result<RunFilter> RunFilterOf(const ApiRequest& req, bool with_states = true);
Result<Json> RunWithNote(ApiCtx& c, const DagRun& run);
Result<Json> TaskInstanceWithNote(ApiCtx& c, const TaskInstance& ti);
Result<Json> BrowseRuns(ApiCtx& c, const std::string& dag_id);
Result<Json> BrowseTaskInstances(ApiCtx& c, const std::string& dag_id, const std::string& run_id);
Result<Json> Calendar(ApiCtx& c, const std::string& dag_id);
Result<Json> ListPoolsWithSlots(ApiCtx& c);
Result<Json> SetNote(ApiCtx& c, const std::string& dag_id, const std::string& run_id,
                     const std::string& task_id);

// Tells the scheduler the store changed, so that it acts at once.
void Wake(const ApiCtx& c);

// POST /dags/{dag_id}/dagRuns: a manual run of the DAG (body: conf, logical_date,
// dag_run_id), audited; the run.
Result<Json> TriggerDagRun(ApiCtx& c, const std::string& dag_id);

// `path` made canonical when it lies inside the logs folder; kInvalidArgument otherwise.
Result<std::string> InsideLogsFolder(const ApiCtx& c, const std::string& path);

// /transfers (api_transfers.cc): transfer jobs, their runs and reports; nullopt for other
// paths.
std::optional<Result<Json>> RouteTransfers(ApiCtx& c, const std::vector<std::string>& segments);

// A file the API sends as it is (text/plain, to save as `name`): GET
// /transfers/{name}/runs/{run_id}/report.jsonl. nullopt for other paths.
struct Download {
  std::string name;  // [A-Za-z0-9._-] only
  std::string text;
};
std::optional<Result<Download>> RouteDownload(ApiCtx& c, const std::vector<std::string>& segments);

// Who made the request, for the audit log: its user, "ui" for a session or "api" for a bearer
// token, and the client's address.
Actor ActorOf(const ApiCtx& c);

// GET /eventLogs and /eventLogs/{id} (api_audit.cc); nullopt for other paths.
std::optional<Result<Json>> RouteAudit(ApiCtx& c, const std::vector<std::string>& segments);

// GET /workers: the executor, the workers (from Redis, with the redis executor), the queues'
// depths and the schedulers' heartbeats; also /health's workers and queue part.
std::optional<Result<Json>> RouteWorkers(ApiCtx& c, const std::vector<std::string>& segments);
Result<Json> ClusterJson(ApiCtx& c);

// GET /users (admin).
Result<Json> ListUsersJson(ApiCtx& c);

// Content-Type: application/json, with or without parameters.
bool IsJsonContentType(std::string_view content_type);

// Whether a browser says the request comes from a page of this server: Sec-Fetch-Site
// same-origin (or none), and an Origin whose host and port are the Host header. A request
// with neither header passes. kInvalidArgument naming the header otherwise.
Status FromThisSite(const ApiRequest& req);

// The role a request needs: viewer to read, op to change, admin for /users.
Role RoleNeeded(const ApiRequest& req, const std::vector<std::string>& segments);

}  // namespace weir
