// GET /eventLogs: the audit log (Airflow's event logs). Viewers and ops read every event but
// those about users and API tokens, which only admins read (audit::kAccountActions).
#include "auth/role.h"
#include "store/audit_actions.h"
#include "store/records_json.h"
#include "web/api_internal.h"

namespace weir {

namespace {

bool SeesAccountEvents(const ApiCtx& c) { return Allows(c.who->role, Role::kAdmin); }

// A time filter: an ISO 8601 date or date-time; a 400 naming the parameter otherwise.
Result<std::optional<Time>> TimeParam(const ApiRequest& req, const std::string& name) {
  std::string text = QueryParam(req, name);
  if (text.empty()) return std::optional<Time>();
  auto parsed = ParseDateTime(text);
  if (!parsed) {
    return Err(ErrorCode::kInvalidArgument,
               "'{}' must be an ISO 8601 date or date-time (2026-01-31, 2026-01-31T08:00:00Z), "
               "got '{}'",
               name, text);
  }
  return std::optional<Time>(*parsed);
}

Result<AuditFilter> FilterOf(const ApiCtx& c) {
  AuditFilter f;
  auto text = [&](const char* name, std::optional<std::string>& field) {
    if (std::string v = QueryParam(c.req, name); !v.empty()) field = v;
  };
  text("dag_id", f.dag_id);
  text("run_id", f.run_id);
  text("task_id", f.task_id);
  text("event", f.action);
  text("owner", f.username);
  text("source", f.source);
  f.after = TRY(TimeParam(c.req, "after"));
  f.before = TRY(TimeParam(c.req, "before"));
  if (!SeesAccountEvents(c)) {
    f.hidden_actions.assign(audit::kAccountActions.begin(), audit::kAccountActions.end());
  }
  auto [limit, offset] = TRY(Page(c.req));
  f.limit = limit;
  f.offset = offset;
  return f;
}

Result<Json> ListEvents(ApiCtx& c) {
  AuditFilter f = TRY(FilterOf(c));
  Json list = Json::array();
  if (f.limit > 0) {
    for (const auto& e : TRY(c.store.ListAuditEvents(f))) list.push_back(AuditEventJson(e));
  }
  return Json{{"event_logs", std::move(list)}, {"total_entries", TRY(c.store.CountAuditEvents(f))}};
}

Result<Json> GetEvent(ApiCtx& c, const std::string& id_text) {
  int64_t id = TRY(WholeNumber(id_text, "the event log id", 1, INT64_MAX));
  AuditEvent e = TRY(c.store.GetAuditEvent(id));
  if (audit::IsAccountAction(e.action) && !SeesAccountEvents(c)) {
    // As if it did not exist: a viewer learns nothing about accounts from it.
    return Err(ErrorCode::kNotFound,
               "no audit event with id {} that you may read (events about users and API tokens "
               "are for admins)",
               id);
  }
  return AuditEventJson(e);
}

}  // namespace

Actor ActorOf(const ApiCtx& c) {
  return Actor{.username = c.who != nullptr ? c.who->user.username : "",
               .source = c.req.bearer_token.empty() ? "ui" : "api",
               .origin = c.req.remote_addr};
}

std::optional<Result<Json>> RouteAudit(ApiCtx& c, const std::vector<std::string>& s) {
  if (s.empty() || s[0] != "eventLogs" || c.req.method != "GET") return std::nullopt;
  if (s.size() == 1) return ListEvents(c);
  if (s.size() == 2) return GetEvent(c, s[1]);
  return std::nullopt;
}

}  // namespace weir
