// The API's state changes. Each is one engine action (engine/actions.h), as the CLI does
// them, recorded in the audit log with it (engine/audited_actions.h), followed by a wake-up
// of the scheduler.
#include <algorithm>

#include "auth/role.h"
#include "auth/users.h"
#include "base/strings.h"
#include "engine/audited_actions.h"
#include "engine/watcher.h"
#include "store/records_json.h"
#include "web/api_internal.h"

namespace weir {

Result<bool> BoolField(const Json& body, const char* name, bool fallback) {
  if (!body.contains(name) || body[name].is_null()) return fallback;
  if (!body[name].is_boolean()) {
    return Err(ErrorCode::kInvalidArgument, "'{}' must be true or false", name);
  }
  return body[name].get<bool>();
}

Result<std::string> StringField(const Json& body, const char* name, bool required) {
  if (!body.contains(name) || body[name].is_null()) {
    if (required) return Err(ErrorCode::kInvalidArgument, "'{}' is required", name);
    return std::string();
  }
  if (!body[name].is_string()) {
    return Err(ErrorCode::kInvalidArgument, "'{}' must be a string", name);
  }
  return body[name].get<std::string>();
}

// The request's actions, recorded in the audit log as its user's.
AuditedActions Audited(const ApiCtx& c) {
  return AuditedActions(c.store, c.clock, c.killer, ActorOf(c));
}

// A DELETE's answer: {"deleted": key} once the store has deleted it.
Result<Json> Deleted(const Status& deleted, const std::string& key) {
  if (!deleted) return std::unexpected(deleted.error());
  return Json{{"deleted", key}};
}

namespace {

Result<const LoadedDag*> FindDag(const ApiCtx& c, const std::string& dag_id) {
  auto it = c.dags.find(dag_id);
  if (it == c.dags.end()) {
    TRY(c.store.GetDag(dag_id));  // the store's not-found message when it is unknown
    return Err(ErrorCode::kFailedPrecondition,
               "DAG '{}' does not load now (see /importErrors), so it cannot be changed", dag_id);
  }
  return &it->second;
}

Result<Json> PatchDag(ApiCtx& c, const std::string& dag_id) {
  Json body = TRY(BodyObject(c));
  TRY(c.store.GetDag(dag_id));
  if (!body.contains("is_paused") || !body["is_paused"].is_boolean()) {
    return Err(ErrorCode::kInvalidArgument, "send {{\"is_paused\": true|false}}");
  }
  TRY(Audited(c).SetPaused(dag_id, body["is_paused"].get<bool>()));
  Wake(c);
  return DagRowJson(TRY(c.store.GetDag(dag_id)));
}

}  // namespace

void Wake(const ApiCtx& c) {
  if (!c.config.wake_file.empty()) WakeScheduler(c.config.wake_file);
}

Result<Json> TriggerDagRun(ApiCtx& c, const std::string& dag_id) {
  Json body = TRY(BodyObject(c));
  const LoadedDag* dag = TRY(FindDag(c, dag_id));
  TriggerRequest req;
  if (body.contains("conf") && !body["conf"].is_null()) {
    if (!body["conf"].is_object()) return Err(ErrorCode::kInvalidArgument, "'conf' must be a map");
    req.conf = body["conf"];
  }
  std::string when = TRY(StringField(body, "logical_date", false));
  if (!when.empty()) {
    req.logical_date = TRY_CONTEXT(ParseDateTime(when), "'logical_date'");
  }
  req.run_id = TRY(StringField(body, "dag_run_id", false));
  DagRun run = TRY(Audited(c).Trigger(*dag, req));
  Wake(c);
  return DagRunJson(run);
}

namespace {

Json TaskInstancesJson(const std::vector<TaskInstance>& tis) {
  Json list = Json::array();
  for (const auto& ti : tis) list.push_back(TaskInstanceJson(ti));
  return Json{{"task_instances", list}, {"total_entries", tis.size()}};
}

// The user a change is recorded under (a mark's "by").
std::string Who(const ApiCtx& c) { return c.who ? c.who->user.username : std::string(); }

Result<Json> PatchRun(ApiCtx& c, const std::string& dag_id, const std::string& run_id) {
  Json body = TRY(BodyObject(c));
  std::string state = TRY(StringField(body, "state", true));
  auto parsed = ParseRunState(state);
  if (!parsed || (*parsed != RunState::kSuccess && *parsed != RunState::kFailed)) {
    return Err(ErrorCode::kInvalidArgument, "'state' must be success or failed, got '{}'", state);
  }
  if (TRY(BoolField(body, "dry_run", false))) {
    return TaskInstancesJson(TRY(RunMarkPreview(c.store, dag_id, run_id)));
  }
  DagRun run = TRY(Audited(c).MarkRun(dag_id, run_id, *parsed));
  Wake(c);
  return DagRunJson(run);
}

// The selection options every clear and mark takes (Airflow's names); `dry_run` and
// `only_failed` default as given.
Result<ClearRequest> ClearRequestOf(const ApiCtx& c, const Json& body, const std::string& run_id,
                                    std::vector<std::string> task_ids, bool dry_run,
                                    bool only_failed) {
  ClearRequest req;
  req.run_id = run_id;
  req.task_ids = std::move(task_ids);
  req.upstream = TRY(BoolField(body, "include_upstream", false));
  req.downstream = TRY(BoolField(body, "include_downstream", false));
  req.past = TRY(BoolField(body, "include_past", false));
  req.future = TRY(BoolField(body, "include_future", false));
  req.only_failed = TRY(BoolField(body, "only_failed", only_failed));
  req.dry_run = TRY(BoolField(body, "dry_run", dry_run));
  req.by = Who(c);
  return req;
}

// A change's answer: the task instances it changed (or, dry, would change); the scheduler is
// woken only when something changed.
Result<Json> Changed(const ApiCtx& c, const ClearRequest& req,
                     Result<std::vector<TaskInstance>> tis) {
  if (!tis) return std::unexpected(tis.error());
  if (!req.dry_run) Wake(c);
  return TaskInstancesJson(*tis);
}

Result<Json> Clear(ApiCtx& c, const std::string& dag_id, const std::string& run_id,
                   const std::string& task_id) {
  Json body = TRY(BodyObject(c));
  const LoadedDag* dag = TRY(FindDag(c, dag_id));
  TRY(c.store.GetRun(dag_id, run_id));
  if (!task_id.empty() && dag->spec->FindTask(task_id) == nullptr) {
    return Err(ErrorCode::kNotFound, "DAG '{}' has no task '{}'", dag_id, task_id);
  }
  std::vector<std::string> task_ids;
  if (!task_id.empty()) task_ids.push_back(task_id);
  ClearRequest req = TRY(ClearRequestOf(c, body, run_id, task_ids, false, false));
  return Changed(c, req, Audited(c).Clear(*dag->spec, req));
}

Result<TaskState> MarkState(const Json& body, const char* field) {
  std::string state = TRY(StringField(body, field, true));
  auto parsed = ParseTaskState(state);
  if (!parsed || (*parsed != TaskState::kSuccess && *parsed != TaskState::kFailed &&
                  *parsed != TaskState::kSkipped)) {
    return Err(ErrorCode::kInvalidArgument, "'{}' must be success, failed or skipped, got '{}'",
               field, state);
  }
  return *parsed;
}

Result<Json> PatchTask(ApiCtx& c, const std::string& dag_id, const std::string& run_id,
                       const std::string& task_id) {
  Json body = TRY(BodyObject(c));
  const LoadedDag* dag = TRY(FindDag(c, dag_id));
  TRY(c.store.GetTaskInstance(dag_id, run_id, task_id));
  TaskState state = TRY(MarkState(body, "state"));
  ClearRequest req = TRY(ClearRequestOf(c, body, run_id, {task_id}, false, false));
  return Changed(c, req, Audited(c).Mark(*dag->spec, req, state));
}

// POST /dags/{dag_id}/clearTaskInstances, Airflow's: a dry run unless dry_run is false, and
// failed task instances only unless only_failed is false (Airflow's defaults).
Result<Json> ClearTaskInstances(ApiCtx& c, const std::string& dag_id) {
  Json body = TRY(BodyObject(c));
  const LoadedDag* dag = TRY(FindDag(c, dag_id));
  std::string run_id = TRY(StringField(body, "dag_run_id", true));
  std::vector<std::string> task_ids;
  if (body.contains("task_ids") && !body["task_ids"].is_null()) {
    const Json& ids = body["task_ids"];
    bool strings = ids.is_array() && std::all_of(ids.begin(), ids.end(),
                                                 [](const Json& id) { return id.is_string(); });
    if (!strings) return Err(ErrorCode::kInvalidArgument, "'task_ids' must be a list of task ids");
    for (const auto& id : ids) task_ids.push_back(id.get<std::string>());
  }
  ClearRequest req = TRY(ClearRequestOf(c, body, run_id, task_ids, true, true));
  return Changed(c, req, Audited(c).Clear(*dag->spec, req));
}

// POST /dags/{dag_id}/updateTaskInstancesState, Airflow's: a dry run unless dry_run is false.
Result<Json> UpdateTaskInstancesState(ApiCtx& c, const std::string& dag_id) {
  Json body = TRY(BodyObject(c));
  const LoadedDag* dag = TRY(FindDag(c, dag_id));
  std::string run_id = TRY(StringField(body, "dag_run_id", true));
  std::string task_id = TRY(StringField(body, "task_id", true));
  TaskState state = TRY(MarkState(body, "new_state"));
  ClearRequest req = TRY(ClearRequestOf(c, body, run_id, {task_id}, true, false));
  return Changed(c, req, Audited(c).Mark(*dag->spec, req, state));
}

Result<Json> SetVariable(ApiCtx& c, const std::string& key_in_path) {
  Json body = TRY(BodyObject(c));
  Variable v;
  v.key = key_in_path.empty() ? TRY(StringField(body, "key", true)) : key_in_path;
  v.value = TRY(StringField(body, "value", true));
  v.description = TRY(StringField(body, "description", false));
  v.is_secret = TRY(BoolField(body, "is_secret", false));
  if (v.key.empty()) return Err(ErrorCode::kInvalidArgument, "'key' must not be empty");
  if (v.is_secret) TRY(CheckSecretValue(v.value));
  TRY(Audited(c).SetVariable(v));
  return VariableJson(v);
}

Result<Json> SetPool(ApiCtx& c, const std::string& name_in_path) {
  Json body = TRY(BodyObject(c));
  Pool p;
  p.name = name_in_path.empty() ? TRY(StringField(body, "name", true)) : name_in_path;
  p.slots = static_cast<int>(TRY(IntField(body, "slots", 0, INT32_MAX, std::nullopt)));
  p.description = TRY(StringField(body, "description", false));
  if (p.name.empty()) return Err(ErrorCode::kInvalidArgument, "'name' must not be empty");
  TRY(Audited(c).SetPool(p));
  Wake(c);  // more slots may let queued tasks start
  return PoolJson(TRY(c.store.GetPool(p.name)));
}

Json UserJson(const User& u) {
  return Json{{"username", u.username},
              {"role", u.role},
              {"created_at", FormatIso(u.created_at)},
              {"last_login_at", u.last_login_at ? Json(FormatIso(*u.last_login_at)) : Json()},
              {"failed_logins", u.failed_logins},
              {"locked_until", u.locked_until ? Json(FormatIso(*u.locked_until)) : Json()}};
}

Result<Json> CreateUser(ApiCtx& c) {
  Json body = TRY(BodyObject(c));
  std::string username = TRY(StringField(body, "username", true));
  Role role = TRY(ParseRole(TRY(StringField(body, "role", true))));
  std::string password = TRY(StringField(body, "password", true));
  AuditEvent event = Audited(c).Event(audit::kUserCreate);
  event.details = {{"username", username}, {"role", RoleName(role)}};
  return UserJson(TRY(AddUser(c.store, username, role, password, AuditRecord{c.store, event})));
}

Result<Json> PatchUser(ApiCtx& c, const std::string& username) {
  Json body = TRY(BodyObject(c));
  User user = TRY(c.store.GetUser(username));
  std::string role = TRY(StringField(body, "role", false));
  std::string password = TRY(StringField(body, "password", false));
  if (!role.empty()) {
    AuditEvent event = Audited(c).Event(audit::kUserRole);
    event.details = {{"username", user.username}, {"was", user.role}};
    user.role = std::string(RoleName(TRY(ParseRole(role))));
    user.updated_at = c.clock.Now();
    event.details["role"] = user.role;
    TRY(Audited(c).Record(event, [&] { return c.store.UpdateUser(user); }));
  }
  if (!password.empty()) {
    AuditEvent event = Audited(c).Event(audit::kUserPassword);
    event.details = {{"username", user.username}};
    TRY(ResetPassword(c.store, username, password, AuditRecord{c.store, event}));
  }
  return UserJson(TRY(c.store.GetUser(username)));
}

}  // namespace

Result<int64_t> IntField(const Json& body, const char* name, int64_t min, int64_t max,
                         std::optional<int64_t> fallback) {
  auto bad = [&] {
    return Err(ErrorCode::kInvalidArgument, "'{}' must be a whole number from {} to {}", name, min,
               max);
  };
  if (!body.contains(name) || body[name].is_null()) {
    if (fallback.has_value()) return *fallback;
    return Err(ErrorCode::kInvalidArgument, "'{}' is required: a whole number from {} to {}", name,
               min, max);
  }
  const Json& v = body[name];
  if (v.is_number_unsigned()) {
    auto u = v.get<uint64_t>();
    if (max < 0 || u > static_cast<uint64_t>(max) || static_cast<int64_t>(u) < min) return bad();
    return static_cast<int64_t>(u);
  }
  if (!v.is_number_integer()) return bad();
  auto i = v.get<int64_t>();
  if (i < min || i > max) return bad();
  return i;
}

Result<Json> ListUsersJson(ApiCtx& c) {
  Json list = Json::array();
  auto users = TRY(c.store.ListUsers());
  for (const auto& u : users) list.push_back(UserJson(u));
  return Json{{"users", list}, {"total_entries", users.size()}};
}

namespace {

// DELETE /dags/{dag_id}: the DAG's record and its runs (refused while a run is active).
Result<Json> DeleteDag(ApiCtx& c, const std::string& dag_id) {
  int64_t runs = TRY(Audited(c).DeleteDag(dag_id));
  Wake(c);
  return Json{{"deleted", dag_id}, {"runs", runs}};
}

}  // namespace

std::optional<Result<Json>> RouteWrite(ApiCtx& c, const std::vector<std::string>& s) {
  const std::string& m = c.req.method;
  size_t n = s.size();
  if (n >= 2 && s[0] == "dags") {
    const std::string& dag = s[1];
    if (n == 2 && m == "PATCH") return PatchDag(c, dag);
    if (n == 2 && m == "DELETE") return DeleteDag(c, dag);
    if (n == 3 && s[2] == "dagRuns" && m == "POST") return TriggerDagRun(c, dag);
    if (n == 3 && s[2] == "clearTaskInstances" && m == "POST") return ClearTaskInstances(c, dag);
    if (n == 3 && s[2] == "updateTaskInstancesState" && m == "POST") {
      return UpdateTaskInstancesState(c, dag);
    }
    if (n >= 4 && s[2] == "dagRuns") {
      const std::string& run = s[3];
      if (n == 4 && m == "PATCH") return PatchRun(c, dag, run);
      if (n == 5 && s[4] == "clear" && m == "POST") return Clear(c, dag, run, "");
      if (n == 5 && s[4] == "setNote" && m == "PATCH") return SetNote(c, dag, run, "");
      if (n >= 6 && s[4] == "taskInstances") {
        if (n == 6 && m == "PATCH") return PatchTask(c, dag, run, s[5]);
        if (n == 7 && s[6] == "clear" && m == "POST") return Clear(c, dag, run, s[5]);
        if (n == 7 && s[6] == "setNote" && m == "PATCH") return SetNote(c, dag, run, s[5]);
      }
    }
  }
  if (n == 1 && s[0] == "users" && m == "POST") return CreateUser(c);
  if (n == 2 && s[0] == "users" && m == "PATCH") return PatchUser(c, s[1]);
  if (n == 2 && s[0] == "users" && m == "DELETE") {
    if (ToLower(s[1]) == ToLower(c.who->user.username)) {
      return Result<Json>(Err(ErrorCode::kFailedPrecondition, "you cannot delete yourself"));
    }
    AuditEvent event = Audited(c).Event(audit::kUserDelete);
    event.details = {{"username", s[1]}};
    return Deleted(Audited(c).Record(event, [&] { return c.store.DeleteUser(s[1]); }), s[1]);
  }
  if (n == 1 && s[0] == "pools" && m == "POST") return SetPool(c, "");
  if (n == 2 && s[0] == "pools" && m == "PATCH") return SetPool(c, s[1]);
  if (n == 2 && s[0] == "pools" && m == "DELETE") {
    return Deleted(Audited(c).DeletePool(s[1]), s[1]);
  }
  if (n == 1 && s[0] == "variables" && m == "POST") return SetVariable(c, "");
  if (n == 2 && s[0] == "variables" && m == "PATCH") return SetVariable(c, s[1]);
  if (n == 2 && s[0] == "variables" && m == "DELETE") {
    return Deleted(Audited(c).DeleteVariable(s[1]), s[1]);
  }
  return std::nullopt;
}

}  // namespace weir
