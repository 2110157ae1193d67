// Browsing runs and task instances across DAGs (Airflow's `~` in a path), the calendar,
// pools with their slots in use, and people's notes on runs and task instances.
#include "web/api_internal.h"

#include <map>
#include <set>

#include "base/strings.h"
#include "base/time.h"
#include "store/audit_actions.h"
#include "store/records_json.h"

namespace weir {

namespace {

constexpr std::string_view kAny = "~";  // Airflow's "every DAG" or "every run" in a path
constexpr size_t kMaxNoteBytes = 1000;  // Airflow's limit on a note

// A comma-separated list of states from `name`, each parsed by `parse`; a 400 listing the
// valid ones otherwise.
template <typename State, typename Parse>
Result<std::vector<State>> StatesParam(const ApiRequest& req, const std::string& name, Parse parse,
                                       std::string_view valid) {
  std::vector<State> out;
  for (const auto& s : Split(QueryParam(req, name), ',')) {
    if (s.empty()) continue;
    auto state = parse(s);
    if (!state)
      return Err(ErrorCode::kInvalidArgument, "'{}' must be {}, got '{}'", name, valid, s);
    out.push_back(*state);
  }
  return out;
}

Result<std::optional<Time>> TimeParam(const ApiRequest& req, const std::string& name,
                                      const std::string& alias) {
  std::string text = QueryParam(req, name);
  if (text.empty()) text = QueryParam(req, alias);
  if (text.empty()) return std::optional<Time>();
  auto t = ParseDateTime(text);
  if (!t) {
    return Err(ErrorCode::kInvalidArgument, "'{}' must be a date or date-time, got '{}'", name,
               text);
  }
  return std::optional<Time>(*t);
}

Result<std::optional<RunType>> RunTypeParam(const ApiRequest& req) {
  std::string text = QueryParam(req, "run_type");
  if (text.empty()) return std::optional<RunType>();
  auto type = ParseRunType(text);
  if (!type) {
    return Err(ErrorCode::kInvalidArgument,
               "'run_type' must be scheduled, manual, backfill or test, got '{}'", text);
  }
  return type;
}

// The DAG of a path: nullopt for `~` (every DAG, or ?dag_id=), after checking it exists.
Result<std::optional<std::string>> PathDag(ApiCtx& c, const std::string& dag_id) {
  std::string wanted = dag_id == kAny ? QueryParam(c.req, "dag_id") : dag_id;
  if (wanted.empty()) return std::optional<std::string>();
  TRY(c.store.GetDag(wanted));
  return std::optional<std::string>(wanted);
}

// The notes of the given runs and their task instances, by (dag, run, task).
class Notes {
 public:
  Status Load(MetadataStore& store, const std::string& dag_id, const std::string& run_id) {
    if (!loaded_.insert({dag_id, run_id}).second) return {};
    for (auto& n : TRY(store.ListNotes(dag_id, run_id))) {
      notes_[{n.dag_id, n.run_id, n.task_id}] = std::move(n);
    }
    return {};
  }
  void Fill(Json& j) const {
    auto it =
        notes_.find({j["dag_id"].get<std::string>(), j["run_id"].get<std::string>(),
                     j.contains("task_id") ? j["task_id"].get<std::string>() : std::string()});
    if (it == notes_.end()) return;
    j["note"] = it->second.content;
    j["note_updated_by"] = it->second.updated_by;
    j["note_updated_at"] = FormatIso(it->second.updated_at);
  }

 private:
  std::set<std::pair<std::string, std::string>> loaded_;
  std::map<std::tuple<std::string, std::string, std::string>, Note> notes_;
};

// A run or task instance as JSON with its note.
template <typename T>
Result<Json> WithNote(ApiCtx& c, const T& x, Json (*to_json)(const T&)) {
  Notes notes;
  TRY(notes.Load(c.store, x.dag_id, x.run_id));
  Json j = to_json(x);
  notes.Fill(j);
  return j;
}

}  // namespace

Result<RunFilter> RunFilterOf(const ApiRequest& req, bool with_states) {
  RunFilter filter;
  if (with_states) {
    filter.states = TRY(
        (StatesParam<RunState>(req, "state", ParseRunState, "queued, running, success or failed")));
  }
  filter.run_type = TRY(RunTypeParam(req));
  filter.logical_date_from = TRY(TimeParam(req, "logical_date_gte", "execution_date_gte"));
  filter.logical_date_to = TRY(TimeParam(req, "logical_date_lte", "execution_date_lte"));
  return filter;
}

Result<Json> RunWithNote(ApiCtx& c, const DagRun& run) { return WithNote(c, run, DagRunJson); }

Result<Json> TaskInstanceWithNote(ApiCtx& c, const TaskInstance& ti) {
  return WithNote(c, ti, TaskInstanceJson);
}

// GET /dags/{dag_id}/dagRuns, where dag_id may be `~`: filters state, run_type,
// logical_date_gte/lte (and dag_id with `~`), newest first, a page with the total.
Result<Json> BrowseRuns(ApiCtx& c, const std::string& dag_id) {
  auto page = TRY(Page(c.req));
  RunFilter filter = TRY(RunFilterOf(c.req));
  filter.dag_id = TRY(PathDag(c, dag_id));
  int64_t total = TRY(c.store.CountRuns(filter));
  filter.limit = page.first;
  filter.offset = page.second;
  Notes notes;
  Json list = Json::array();
  for (const auto& r : TRY(c.store.ListRuns(filter))) {
    TRY(notes.Load(c.store, r.dag_id, r.run_id));
    Json j = DagRunJson(r);
    notes.Fill(j);
    list.push_back(std::move(j));
  }
  return Json{{"dag_runs", std::move(list)}, {"total_entries", total}};
}

// GET /dags/{dag_id}/dagRuns/{run_id}/taskInstances, where either may be `~`: filters state,
// run_type, logical_date_gte/lte, task_id (and dag_id with `~`). Each task instance carries
// its run's logical date and type.
Result<Json> BrowseTaskInstances(ApiCtx& c, const std::string& dag_id, const std::string& run_id) {
  auto page = TRY(Page(c.req));
  TaskInstanceFilter filter;
  filter.dag_id = TRY(PathDag(c, dag_id));
  if (run_id != kAny) {
    if (!filter.dag_id) {
      return Err(ErrorCode::kInvalidArgument, "a run id needs its DAG: /dags/{{dag_id}}/dagRuns/{}",
                 run_id);
    }
    TRY(c.store.GetRun(*filter.dag_id, run_id));
    filter.run_ids = {run_id};
  }
  filter.states = TRY((StatesParam<TaskState>(
      c.req, "state", ParseTaskState,
      "a task state (none, scheduled, queued, running, success, failed, up_for_retry, "
      "upstream_failed, skipped, removed)")));
  RunFilter of_runs = TRY(RunFilterOf(c.req, /*with_states=*/false));
  filter.run_type = of_runs.run_type;
  filter.logical_date_from = of_runs.logical_date_from;
  filter.logical_date_to = of_runs.logical_date_to;
  if (std::string task = QueryParam(c.req, "task_id"); !task.empty()) filter.task_id = task;
  int64_t total = TRY(c.store.CountTaskInstances(filter));
  filter.limit = page.first;
  filter.offset = page.second;
  Notes notes;
  std::map<std::pair<std::string, std::string>, DagRun> runs;
  Json list = Json::array();
  for (const auto& ti : TRY(c.store.ListTaskInstances(filter))) {
    auto key = std::pair(ti.dag_id, ti.run_id);
    auto it = runs.find(key);
    if (it == runs.end()) it = runs.emplace(key, TRY(c.store.GetRun(ti.dag_id, ti.run_id))).first;
    TRY(notes.Load(c.store, ti.dag_id, ti.run_id));
    Json j = TaskInstanceJson(ti);
    j["logical_date"] = FormatIso(it->second.logical_date);
    j["run_type"] = RunTypeName(it->second.run_type);
    j["data_interval_end"] = FormatIso(it->second.data_interval_end);
    notes.Fill(j);
    list.push_back(std::move(j));
  }
  return Json{{"task_instances", std::move(list)}, {"total_entries", total}};
}

// GET /dags/{dag_id}/calendar?year=YYYY: the DAG's runs counted per day (of the logical date,
// in the DAG's time zone) and state, for Airflow's Calendar view. Without a year: the year of
// the newest run.
Result<Json> Calendar(ApiCtx& c, const std::string& dag_id) {
  DagRow dag = TRY(c.store.GetDag(dag_id));
  const date::time_zone* zone = FindZone(dag.timezone).value_or(nullptr);
  // The years with runs, from the oldest run's to the newest's.
  RunFilter edge;
  edge.dag_id = dag_id;
  edge.limit = 1;
  auto newest = TRY(c.store.ListRuns(edge));
  edge.newest_first = false;
  auto oldest = TRY(c.store.ListRuns(edge));
  auto year_of = [&](Time t) { return std::stoll(FormatTime(t, "%Y", zone)); };
  int64_t last = newest.empty() ? year_of(c.clock.Now()) : year_of(newest[0].logical_date);
  int64_t first = oldest.empty() ? last : year_of(oldest[0].logical_date);
  int64_t year = TRY(IntParam(c.req, "year", last, 1970, 9999));
  RunFilter filter;
  filter.dag_id = dag_id;
  filter.newest_first = false;
  // A day or so either side of the year in UTC covers every zone; the day decides.
  filter.logical_date_from = TRY(ParseDateTime(fmt::format("{}-01-01", year), zone));
  filter.logical_date_to = TRY(ParseDateTime(fmt::format("{}-12-31T23:59:59.999999", year), zone));
  std::map<std::string, std::map<std::string, int>> days;
  for (const auto& r : TRY(c.store.ListRuns(filter))) {
    days[FormatDate(r.logical_date, zone)][std::string(RunStateName(r.state))]++;
  }
  Json list = Json::array();
  for (auto& [day, states] : days) list.push_back(Json{{"date", day}, {"states", states}});
  return Json{{"dag_id", dag_id},    {"year", year},      {"timezone", dag.timezone},
              {"first_year", first}, {"last_year", last}, {"days", std::move(list)}};
}

// GET /pools: each pool with the slots its task instances hold now (Airflow's running,
// queued and open slots).
Result<Json> ListPoolsWithSlots(ApiCtx& c) {
  auto pools = TRY(c.store.ListPools());
  std::map<std::string, std::map<TaskState, int64_t>> used;
  for (const auto& ti : TRY(c.store.ListTaskInstancesOfActiveRuns())) {
    used[ti.pool][ti.state] += ti.pool_slots;
  }
  return PageOf(pools, TRY(Page(c.req)), "pools", [&](const Pool& p) {
    Json j = PoolJson(p);
    auto& u = used[p.name];
    int64_t running = u[TaskState::kRunning];
    int64_t queued = u[TaskState::kQueued];
    j["running_slots"] = running;
    j["queued_slots"] = queued;
    j["scheduled_slots"] = u[TaskState::kScheduled];
    j["open_slots"] =
        p.slots < 0 ? Json(-1) : Json(std::max<int64_t>(0, p.slots - running - queued));
    return j;
  });
}

// PATCH /dags/{dag_id}/dagRuns/{run_id}/setNote and .../taskInstances/{task_id}/setNote:
// body {"note": "..."} (empty removes it), at most 1000 bytes; audited. The run or task
// instance, with its note.
Result<Json> SetNote(ApiCtx& c, const std::string& dag_id, const std::string& run_id,
                     const std::string& task_id) {
  Json body = TRY(BodyObject(c));
  std::string content = TRY(StringField(body, "note", true));
  if (content.size() > kMaxNoteBytes) {
    return Err(ErrorCode::kInvalidArgument, "a note holds at most {} bytes, this one has {}",
               kMaxNoteBytes, content.size());
  }
  Note note{.dag_id = dag_id,
            .run_id = run_id,
            .task_id = task_id,
            .content = content,
            .updated_by = c.who->user.username,
            .updated_at = c.clock.Now()};
  TRY(Audited(c).SetNote(note));
  if (task_id.empty()) return RunWithNote(c, TRY(c.store.GetRun(dag_id, run_id)));
  return TaskInstanceWithNote(c, TRY(c.store.GetTaskInstance(dag_id, run_id, task_id)));
}

}  // namespace weir
