#include "engine/audited_actions.h"

#include <map>

#include "env/seal_keys.h"

namespace weir {

namespace {

// The states of a run's task instances before a change, by task id.
Result<std::map<std::string, TaskState>> StatesBefore(MetadataStore& store,
                                                      const std::string& dag_id,
                                                      const std::string& run_id) {
  std::map<std::string, TaskState> states;
  for (const auto& ti : TRY(store.ListTaskInstances(dag_id, run_id))) {
    states[ti.task_id] = ti.state;
  }
  return states;
}

// [{"task_id", "was"}] for the changed task instances.
Json ChangedTasks(const std::vector<TaskInstance>& changed,
                  const std::map<std::string, TaskState>& before) {
  Json list = Json::array();
  for (const auto& ti : changed) {
    auto it = before.find(ti.task_id);
    list.push_back({{"task_id", ti.task_id},
                    {"was", it == before.end() ? Json() : Json(TaskStateName(it->second))}});
  }
  return list;
}

// [{"run_id", "task_id", "was"}]: what a clear or a mark touches, from its dry run (taken in
// the same transaction, so the states are those it changes). Past and future reach other runs.
Json Touched(const std::vector<TaskInstance>& preview) {
  Json list = Json::array();
  for (const auto& ti : preview) {
    list.push_back(
        {{"run_id", ti.run_id}, {"task_id", ti.task_id}, {"was", TaskStateName(ti.state)}});
  }
  return list;
}

// The options a clear or a mark was asked with.
Json Selection(const ClearRequest& request) {
  return {{"task_ids", request.task_ids},
          {"upstream", request.upstream},
          {"downstream", request.downstream},
          {"past", request.past},
          {"future", request.future}};
}

// The one task a request names, as the event's target; "" for several or all.
std::string OneTask(const ClearRequest& request) {
  return request.task_ids.size() == 1 ? request.task_ids.front() : "";
}

}  // namespace

AuditedActions::AuditedActions(MetadataStore& store, const Clock& clock, AttemptKiller& killer,
                               Actor actor)
    : store_(store), clock_(clock), killer_(killer), actor_(std::move(actor)) {}

AuditEvent AuditedActions::Event(std::string_view action, const std::string& dag_id,
                                 const std::string& run_id, const std::string& task_id) const {
  AuditEvent e = audit::EventBy(actor_, action);
  e.when = clock_.Now();
  e.dag_id = dag_id;
  e.run_id = run_id;
  e.task_id = task_id;
  return e;
}

Status AuditedActions::Record(AuditEvent event, const std::function<Status()>& change) {
  event.username = actor_.username;
  event.source = actor_.source;
  event.origin = actor_.origin;
  if (event.when == Time{}) event.when = clock_.Now();
  return store_.Transaction([&]() -> Status {
    if (change) TRY(change());
    TRY(store_.AddAuditEvent(event));
    return {};
  });
}

Result<DagRun> AuditedActions::Trigger(const LoadedDag& dag, const TriggerRequest& request) {
  DagRun run;
  TRY(store_.Transaction([&]() -> Status {
    run = TRY(TriggerRun(store_, dag, clock_, request));
    AuditEvent e = Event(request.run_type == RunType::kManual ? audit::kTrigger : audit::kDagTest,
                         run.dag_id, run.run_id);
    e.details = {{"logical_date", FormatIso(run.logical_date)},
                 {"run_type", RunTypeName(run.run_type)},
                 {"conf", run.conf}};
    if (request.replace_existing) e.details["replaced_existing"] = true;
    TRY(store_.AddAuditEvent(e));
    return {};
  }));
  return run;
}

Result<BackfillResult> AuditedActions::Backfill(const LoadedDag& dag, Time from, Time to,
                                                const Json& conf, bool rerun_failed) {
  BackfillResult result;
  TRY(store_.Transaction([&]() -> Status {
    result = TRY(weir::Backfill(store_, dag, clock_, killer_, from, to, conf, rerun_failed));
    AuditEvent e = Event(audit::kBackfill, dag.spec->dag_id);
    Json created = Json::array();
    for (const auto& r : result.created) created.push_back(r.run_id);
    Json cleared = Json::array();
    for (const auto& r : result.existing) {
      if (rerun_failed && r.state == RunState::kFailed) cleared.push_back(r.run_id);
    }
    e.details = {{"start_date", FormatIso(from)},
                 {"end_date", FormatIso(to)},
                 {"rerun_failed", rerun_failed},
                 {"conf", conf.is_null() ? Json::object() : conf},
                 {"created", created},
                 {"cleared", cleared}};
    TRY(store_.AddAuditEvent(e));
    return {};
  }));
  return result;
}

Result<std::vector<TaskInstance>> AuditedActions::Clear(const DagSpec& spec, ClearRequest request) {
  if (request.by.empty()) request.by = actor_.username;
  // A dry run changes nothing: nothing to record.
  if (request.dry_run) return ClearTasks(store_, spec, request, clock_, killer_);
  std::vector<TaskInstance> cleared;
  TRY(store_.Transaction([&]() -> Status {
    ClearRequest preview = request;
    preview.dry_run = true;
    auto before = TRY(ClearTasks(store_, spec, preview, clock_, killer_));
    cleared = TRY(ClearTasks(store_, spec, request, clock_, killer_));
    AuditEvent e = Event(audit::kClear, spec.dag_id, request.run_id, OneTask(request));
    e.details = Selection(request);
    e.details["only_failed"] = request.only_failed;
    e.details["cleared"] = Touched(before);
    TRY(store_.AddAuditEvent(e));
    return {};
  }));
  return cleared;
}

Result<std::vector<TaskInstance>> AuditedActions::Mark(const DagSpec& spec, ClearRequest request,
                                                       TaskState state) {
  if (request.by.empty()) request.by = actor_.username;
  if (request.dry_run) return MarkTasks(store_, spec, request, state, clock_, killer_);
  std::vector<TaskInstance> marked;
  TRY(store_.Transaction([&]() -> Status {
    ClearRequest preview = request;
    preview.dry_run = true;
    auto before = TRY(MarkTasks(store_, spec, preview, state, clock_, killer_));
    marked = TRY(MarkTasks(store_, spec, request, state, clock_, killer_));
    AuditEvent e = Event(audit::kMarkTask, spec.dag_id, request.run_id, OneTask(request));
    e.details = Selection(request);
    e.details["state"] = TaskStateName(state);
    e.details["marked"] = Touched(before);
    TRY(store_.AddAuditEvent(e));
    return {};
  }));
  return marked;
}

Result<DagRun> AuditedActions::MarkRun(const std::string& dag_id, const std::string& run_id,
                                       RunState state) {
  DagRun run;
  TRY(store_.Transaction([&]() -> Status {
    DagRun was = TRY(store_.GetRun(dag_id, run_id));
    auto before = TRY(StatesBefore(store_, dag_id, run_id));
    run = TRY(weir::MarkRun(store_, dag_id, run_id, state, clock_, killer_, actor_.username));
    std::vector<TaskInstance> changed;
    for (auto& ti : TRY(store_.ListTaskInstances(dag_id, run_id))) {
      auto it = before.find(ti.task_id);
      if (it != before.end() && it->second != ti.state) changed.push_back(std::move(ti));
    }
    AuditEvent e = Event(audit::kMarkRun, dag_id, run_id);
    e.details = {{"state", RunStateName(state)},
                 {"was", RunStateName(was.state)},
                 {"marked", ChangedTasks(changed, before)}};
    TRY(store_.AddAuditEvent(e));
    return {};
  }));
  return run;
}

Status AuditedActions::SetPaused(const std::string& dag_id, bool paused) {
  return store_.Transaction([&]() -> Status {
    DagRow was = TRY(store_.GetDag(dag_id));
    TRY(store_.SetPaused(dag_id, paused));
    AuditEvent e = Event(paused ? audit::kPause : audit::kUnpause, dag_id);
    e.details = {{"was_paused", was.is_paused}};
    TRY(store_.AddAuditEvent(e));
    return {};
  });
}

Status AuditedActions::SetVariable(const Variable& v) {
  return store_.Transaction([&]() -> Status {
    auto old = store_.GetVariable(v.key);
    if (!old && old.error().code != ErrorCode::kNotFound) return std::unexpected(old.error());
    TRY(store_.SetVariable(v));
    AuditEvent e = Event(audit::kVariableSet);
    e.details = {{"key", v.key},
                 {"created", !old.has_value()},
                 {"value_changed", !old.has_value() || old->value != v.value},
                 {"is_secret", v.is_secret},
                 {"description", v.description}};
    if (old) {
      if (old->is_secret != v.is_secret) e.details["was_secret"] = old->is_secret;
      if (old->description != v.description) e.details["was_description"] = old->description;
    }
    TRY(store_.AddAuditEvent(e));
    return {};
  });
}

Status AuditedActions::SetConnection(const Connection& c, const std::string& key_file) {
  SealKeyRing ring = TRY(LoadOrCreateSealKeys(key_file));
  StoredConnection sealed = TRY(SealConnection(c, ring));
  return store_.Transaction([&]() -> Status {
    auto old = store_.GetConnection(c.conn_id);
    if (!old && old.error().code != ErrorCode::kNotFound) return std::unexpected(old.error());
    TRY(store_.SetConnection(sealed));
    AuditEvent e = Event(audit::kConnectionSet);
    e.details = {{"conn_id", c.conn_id}, {"conn_type", c.conn_type}, {"created", !old}};
    if (old) {
      // The secrets are compared opened when the keys at hand open the old row.
      auto was = OpenConnection(*old, ring);
      Json changed = Json::array();
      auto differs = [&](std::string_view field, bool d) {
        if (d) changed.push_back(field);
      };
      differs("conn_type", old->conn_type != c.conn_type);
      differs("description", old->description != c.description);
      differs("host", old->host != c.host);
      differs("schema", old->schema != c.schema);
      differs("login", old->login != c.login);
      differs("port", old->port != c.port);
      differs("password", !was || was->password != c.password);
      differs("extra", !was || was->extra != c.extra);
      e.details["changed"] = std::move(changed);
    }
    TRY(store_.AddAuditEvent(e));
    return {};
  });
}

Status AuditedActions::DeleteConnection(const std::string& conn_id) {
  return store_.Transaction([&]() -> Status {
    StoredConnection old = TRY(store_.GetConnection(conn_id));
    TRY(store_.DeleteConnection(conn_id));
    AuditEvent e = Event(audit::kConnectionDelete);
    e.details = {{"conn_id", conn_id}, {"conn_type", old.conn_type}};
    TRY(store_.AddAuditEvent(e));
    return {};
  });
}

Result<KeyRotation> AuditedActions::RotateConnectionKey(const std::string& key_file) {
  return weir::RotateConnectionKey(
      store_, key_file, [&](const std::function<Status()>& reseal, const KeyRotation& r) -> Status {
        return store_.Transaction([&]() -> Status {
          TRY(reseal());
          AuditEvent e = Event(audit::kConnectionKeyRotate);
          e.details = {{"old_key_id", r.old_key_id},
                       {"new_key_id", r.new_key_id},
                       {"resealed", r.resealed},
                       {"from_environment", r.from_environment}};
          TRY(store_.AddAuditEvent(e));
          return {};
        });
      });
}

Status AuditedActions::DeleteVariable(const std::string& key) {
  return store_.Transaction([&]() -> Status {
    Variable old = TRY(store_.GetVariable(key));
    TRY(store_.DeleteVariable(key));
    AuditEvent e = Event(audit::kVariableDelete);
    e.details = {{"key", key}, {"is_secret", old.is_secret}};
    TRY(store_.AddAuditEvent(e));
    return {};
  });
}

Result<int64_t> AuditedActions::DeleteDag(const std::string& dag_id) {
  int64_t runs = 0;
  TRY(store_.Transaction([&]() -> Status {
    DagRow was = TRY(store_.GetDag(dag_id));
    RunFilter active;
    active.dag_id = dag_id;
    active.states = {RunState::kQueued, RunState::kRunning};
    if (int64_t n = TRY(store_.CountRuns(active)); n > 0) {
      return Err(ErrorCode::kFailedPrecondition,
                 "DAG '{}' has {} queued or running run(s): pause it and let them end, or mark "
                 "them failed, then delete it",
                 dag_id, n);
    }
    runs = TRY(store_.DeleteDag(dag_id));
    AuditEvent e = Event(audit::kDagDelete, dag_id);
    e.details = {{"runs", runs}, {"fileloc", was.fileloc}};
    TRY(store_.AddAuditEvent(e));
    return {};
  }));
  return runs;
}

Status AuditedActions::SetNote(const Note& note) {
  return store_.Transaction([&]() -> Status {
    std::string was;
    for (const auto& n : TRY(store_.ListNotes(note.dag_id, note.run_id))) {
      if (n.task_id == note.task_id) was = n.content;
    }
    TRY(store_.SetNote(note));
    AuditEvent e = Event(audit::kNoteSet, note.dag_id, note.run_id, note.task_id);
    e.details = {{"note", note.content}, {"was", was}};
    TRY(store_.AddAuditEvent(e));
    return {};
  });
}

Status AuditedActions::SetPool(const Pool& p) {
  return store_.Transaction([&]() -> Status {
    auto old = store_.GetPool(p.name);
    if (!old && old.error().code != ErrorCode::kNotFound) return std::unexpected(old.error());
    TRY(store_.SetPool(p));
    AuditEvent e = Event(audit::kPoolSet);
    e.details = {{"pool", p.name},
                 {"slots", p.slots},
                 {"description", p.description},
                 {"created", !old.has_value()}};
    if (old) e.details["was_slots"] = old->slots;
    TRY(store_.AddAuditEvent(e));
    return {};
  });
}

Status AuditedActions::DeletePool(const std::string& name) {
  return store_.Transaction([&]() -> Status {
    auto old = store_.GetPool(name);
    TRY(store_.DeletePool(name));
    AuditEvent e = Event(audit::kPoolDelete);
    e.details = {{"pool", name}};
    if (old) e.details["slots"] = old->slots;
    TRY(store_.AddAuditEvent(e));
    return {};
  });
}

}  // namespace weir
