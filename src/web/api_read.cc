// The read (GET) endpoints, and the one router for every API path.
#include "web/api_internal.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <thread>
#include <unordered_set>

#include "base/strings.h"
#include "base/time.h"
#include "engine/attempts.h"
#include "engine/connections.h"
#include "engine/next_runs.h"
#include "engine/remote_logs.h"
#include "lake/catalog.h"
#include "ops/registry.h"
#include "store/records_json.h"

namespace weir {

namespace fs = std::filesystem;

namespace {

constexpr size_t kMaxLogChunk = 1 << 20;  // one response carries at most 1 MiB of a log
constexpr int kMaxLogWaitSeconds = 30;

Json TaskSpecJson(const TaskSpec& t) {
  return Json{{"task_id", t.task_id},   {"operator", t.operator_name},
              {"upstream", t.upstream}, {"owner", t.owner},
              {"retries", t.retries},   {"trigger_rule", TriggerRuleName(t.trigger_rule)},
              {"pool", t.pool},         {"doc_md", t.doc_md}};
}

Json ParamJson(const ParamSpec& p) {
  Json j{{"name", p.name},
         {"type", p.type},
         {"default", p.default_value},
         {"description", p.description},
         {"enum", p.enum_values}};
  if (p.minimum) j["minimum"] = *p.minimum;
  if (p.maximum) j["maximum"] = *p.maximum;
  if (p.min_length) j["min_length"] = *p.min_length;
  if (p.max_length) j["max_length"] = *p.max_length;
  if (!p.pattern.empty()) j["pattern"] = p.pattern;
  return j;
}

// The next run the scheduler will create ({data_interval_start, data_interval_end,
// runs_at}), or null: no periodic schedule, past its end_date, or a DAG whose file is gone.
Result<Json> NextRunJson(ApiCtx& c, const DagSpec* spec) {
  if (spec == nullptr) return Json();
  auto next = TRY(NextIntervals(*spec, c.store, c.clock.Now(), 1));
  if (next.empty()) return Json();
  return Json{{"data_interval_start", FormatIso(next[0].interval.start)},
              {"data_interval_end", FormatIso(next[0].interval.end)},
              {"runs_at", FormatIso(next[0].runs_at)}};
}

// The import error of the DAG's file, or null. A DAG whose file fails to load after it loaded
// once stays listed with its last good version (DagRegistry), and this says why.
Json DagImportErrorJson(const DagRow& d, const std::vector<ImportError>& errors) {
  for (const auto& e : errors) {
    if (e.fileloc == d.fileloc) return ImportErrorJson(e);
  }
  return Json();
}

Result<Json> DagSummary(ApiCtx& c, const DagRow& d, const std::vector<ImportError>& errors) {
  Json j = DagRowJson(d);
  j["import_error"] = DagImportErrorJson(d, errors);
  j["has_import_errors"] = !j["import_error"].is_null();
  auto it = c.dags.find(d.dag_id);
  const DagSpec* spec = it != c.dags.end() ? it->second.spec.get() : nullptr;
  j["schedule_description"] =
      spec && spec->timetable ? spec->timetable->Describe() : std::string("Manual only");
  j["next_run"] = TRY(NextRunJson(c, spec));
  RunFilter filter;
  filter.dag_id = d.dag_id;
  filter.limit = 5;
  Json recent = Json::array();
  for (const auto& r : TRY(c.store.ListRuns(filter))) {
    recent.push_back(Json{{"run_id", r.run_id},
                          {"state", RunStateName(r.state)},
                          {"data_interval_start", FormatIso(r.data_interval_start)},
                          {"data_interval_end", FormatIso(r.data_interval_end)}});
  }
  j["recent_runs"] = std::move(recent);
  // Every run counted by state (Airflow's run circles), and the task instances of the newest
  // run by state (its "recent tasks").
  Json counts = Json::object();
  for (RunState state :
       {RunState::kQueued, RunState::kRunning, RunState::kSuccess, RunState::kFailed}) {
    RunFilter by_state;
    by_state.dag_id = d.dag_id;
    by_state.states = {state};
    counts[std::string(RunStateName(state))] = TRY(c.store.CountRuns(by_state));
  }
  j["run_counts"] = std::move(counts);
  Json tasks = Json::object();
  if (!j["recent_runs"].empty()) {
    for (const auto& ti : TRY(c.store.ListTaskInstances(
             d.dag_id, j["recent_runs"][0]["run_id"].get<std::string>()))) {
      std::string state(TaskStateName(ti.state));
      tasks[state] = tasks.value(state, 0) + 1;
    }
  }
  j["recent_task_counts"] = std::move(tasks);
  return j;
}

// The health of the listed DAGs at a glance: how many, paused, with an import error, whose
// newest run failed, with a run under way.
Result<Json> DagsHealth(ApiCtx& c, const std::vector<DagRow>& rows,
                        const std::vector<ImportError>& errors) {
  int64_t paused = 0;
  int64_t broken = 0;
  int64_t failing = 0;
  int64_t running = 0;
  for (const DagRow& d : rows) {
    paused += d.is_paused ? 1 : 0;
    broken += DagImportErrorJson(d, errors).is_null() ? 0 : 1;
    RunFilter newest;
    newest.dag_id = d.dag_id;
    newest.limit = 1;
    auto runs = TRY(c.store.ListRuns(newest));
    if (!runs.empty() && runs[0].state == RunState::kFailed) ++failing;
    RunFilter active;
    active.dag_id = d.dag_id;
    active.states = {RunState::kRunning, RunState::kQueued};
    if (TRY(c.store.CountRuns(active)) > 0) ++running;
  }
  return Json{{"dags", rows.size()},
              {"paused", paused},
              {"import_errors", broken},
              {"failing", failing},
              {"running", running}};
}

Result<Json> ListDags(ApiCtx& c) {
  auto page = TRY(Page(c.req));
  auto paused = TRY(BoolParam(c.req, "paused"));
  auto only_active = TRY(BoolParam(c.req, "only_active"));
  std::string pattern = ToLower(QueryParam(c.req, "dag_id_pattern"));
  std::vector<std::string> tags;
  for (const auto& t : Split(QueryParam(c.req, "tags"), ',')) {
    if (!t.empty()) tags.push_back(t);
  }
  std::vector<DagRow> rows;
  for (auto& d : TRY(c.store.ListDags())) {
    if (only_active.value_or(true) && !d.is_active) continue;
    if (paused && d.is_paused != *paused) continue;
    if (!pattern.empty() && ToLower(d.dag_id).find(pattern) == std::string::npos) continue;
    bool tagged = std::all_of(tags.begin(), tags.end(), [&](const std::string& t) {
      return std::find(d.tags.begin(), d.tags.end(), t) != d.tags.end();
    });
    if (!tagged) continue;
    rows.push_back(std::move(d));
  }
  auto errors = TRY(c.store.ListImportErrors());
  Json list = Json::array();
  for (const DagRow& d : PageSlice(rows, page)) list.push_back(TRY(DagSummary(c, d, errors)));
  return Json{{"dags", std::move(list)},
              {"total_entries", rows.size()},
              {"health", TRY(DagsHealth(c, rows, errors))}};
}

Result<Json> GetDag(ApiCtx& c, const std::string& dag_id) {
  DagRow row = TRY(c.store.GetDag(dag_id));
  Json j = TRY(DagSummary(c, row, TRY(c.store.ListImportErrors())));
  auto it = c.dags.find(dag_id);
  if (it != c.dags.end()) {
    const DagSpec& spec = *it->second.spec;
    Json tasks = Json::array();
    for (const auto& t : spec.tasks) tasks.push_back(TaskSpecJson(t));
    Json params = Json::array();
    for (const auto& p : spec.params) params.push_back(ParamJson(p));
    j["tasks"] = std::move(tasks);
    j["params"] = std::move(params);
    j["strict_conf"] = spec.strict_conf;
    j["catchup"] = spec.catchup;
    j["max_active_runs"] = spec.max_active_runs;
    j["start_date"] = spec.start_date ? Json(FormatIso(*spec.start_date)) : Json();
    j["end_date"] = spec.end_date ? Json(FormatIso(*spec.end_date)) : Json();
    j["doc_md"] = spec.doc_md;
    j["version_number"] = it->second.version_number;
  }
  return j;
}

Result<Json> DagSource(ApiCtx& c, const std::string& dag_id) {
  DagRow row = TRY(c.store.GetDag(dag_id));
  auto versions = TRY(c.store.ListDagVersions(dag_id));
  // ?version=N (the DAG's Nth version) or ?version_id=ID (a run's version_id).
  std::string wanted = QueryParam(c.req, "version");
  std::string wanted_id = QueryParam(c.req, "version_id");
  for (auto it = versions.rbegin(); it != versions.rend(); ++it) {
    bool match = !wanted_id.empty() ? std::to_string(it->id) == wanted_id
                 : wanted.empty()   ? it->id == row.latest_version_id
                                    : std::to_string(it->version_number) == wanted;
    if (match) {
      return Json{{"dag_id", dag_id},
                  {"version_number", it->version_number},
                  {"version_id", it->id},
                  {"fileloc", it->fileloc},
                  {"created_at", FormatIso(it->created_at)},
                  {"source", it->source}};
    }
  }
  return Err(ErrorCode::kNotFound, "DAG '{}' has no version {}", dag_id,
             !wanted_id.empty() ? "with id " + wanted_id
             : wanted.empty()   ? std::string("recorded")
                                : wanted);
}

Result<Json> GetTaskInstance(ApiCtx& c, const std::string& dag_id, const std::string& run_id,
                             const std::string& task_id) {
  TaskInstance ti = TRY(c.store.GetTaskInstance(dag_id, run_id, task_id));
  Json j = TRY(TaskInstanceWithNote(c, ti));
  Json tries = Json::array();
  for (const auto& t : TRY(c.store.ListTries(dag_id, run_id, task_id))) {
    tries.push_back(TaskTryJson(t));
  }
  j["tries"] = std::move(tries);
  Json xcom = Json::object();
  for (const auto& x : TRY(c.store.ListXComs(dag_id, run_id))) {
    if (x.task_id == task_id) xcom[x.key] = x.value;
  }
  j["xcom"] = std::move(xcom);
  return j;
}

// How many bytes at the end of `text` begin a UTF-8 character that is not complete (no
// piece of a log splits one). A continuation run longer than a character is not UTF-8 and
// is left to the JSON writer to replace.
size_t IncompleteCharacter(std::string_view text) {
  size_t lead = text.size();
  while (lead > 0 && text.size() - lead < 4 &&
         (static_cast<unsigned char>(text[lead - 1]) & 0xC0) == 0x80) {
    --lead;
  }
  if (lead == 0) return 0;
  auto c = static_cast<unsigned char>(text[lead - 1]);
  size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
  size_t have = text.size() - (lead - 1);
  return need > 1 && have < need ? have : 0;
}

}  // namespace

Result<std::string> InsideLogsFolder(const ApiCtx& c, const std::string& path) {
  fs::path canonical = fs::weakly_canonical(path);
  auto rel = canonical.lexically_relative(fs::weakly_canonical(c.config.logs_folder));
  if (rel.empty() || rel.begin()->string() == "..") {
    return Err(ErrorCode::kInvalidArgument, "that log is outside the logs folder");
  }
  return canonical.string();
}

namespace {

// Where TaskLog reads a try's log: its file, or, when that is missing here (its worker's
// machine is gone, or this webserver runs on another) and remote_logs is set, a local copy
// of the remote one, fetched again while the try runs (at most once a second, or at once
// when the caller knows the try ended: its complete log was sent before its end was).
class LogSource {
 public:
  LogSource(ApiCtx& c, std::string local, AttemptKey key)
      : c_(c), local_(std::move(local)), key_(std::move(key)) {}

  Result<std::string> Path(bool fresh) {
    std::error_code ec;
    if (c_.config.remote_logs.empty() || fs::exists(local_, ec)) return local_;
    auto now = std::chrono::steady_clock::now();
    if (!store_) {
      ConnectionFinder find = [this](const std::string& id) {
        return FindConnection(c_.store, c_.config.secret_key_file, id);
      };
      store_ = TRY(OpenRemoteLogs(c_.config.remote_logs, {c_.config.lake_conn_id, find}));
    } else if (!fresh && now - checked_ < std::chrono::seconds(1)) {
      return copy_ ? copy_->path() : local_;
    }
    checked_ = now;
    if (copy_) {
      TRY(copy_->Refresh(*store_));
    } else {
      copy_ = TRY(RemoteLogCopy::Fetch(*store_, key_));
    }
    return copy_ ? copy_->path() : local_;
  }

 private:
  ApiCtx& c_;
  const std::string local_;
  const AttemptKey key_;
  std::unique_ptr<ObjectStore> store_;
  std::optional<RemoteLogCopy> copy_;
  std::chrono::steady_clock::time_point checked_{};
};

// A piece of a try's log from byte `offset`: {content, offset, next_offset, size, finished}.
// The path is built from ids the store knows, and must stay inside the logs folder; the
// remote copy's key (remote_logs) is the same path below it.
Result<Json> TaskLog(ApiCtx& c, const std::string& dag_id, const std::string& run_id,
                     const std::string& task_id, const std::string& try_text) {
  int try_number = static_cast<int>(TRY(WholeNumber(try_text, "the try number", 1, 1 << 20)));
  TaskInstance ti = TRY(c.store.GetTaskInstance(dag_id, run_id, task_id));
  if (try_number > ti.try_number) {
    return Err(ErrorCode::kNotFound, "task {} of run {} has {} tries, not {}", task_id, run_id,
               ti.try_number, try_number);
  }
  const AttemptKey key{dag_id, run_id, task_id, try_number};
  fs::path path = TRY(InsideLogsFolder(c, AttemptLogPath(c.config.logs_folder, key)));
  int64_t offset = TRY(IntParam(c.req, "offset", 0, 0, INT64_MAX));
  // `ti` was read before the file: when it says the try is over, the file was complete.
  auto over = [&] {
    return try_number < ti.try_number ||
           (ti.state != TaskState::kRunning && ti.state != TaskState::kQueued);
  };
  LogSource source(c, path.string(), key);
  // A try that ran no process (an `empty` task) has no log file: its log is a note saying so.
  if (std::error_code ec; !fs::exists(TRY(source.Path(over())), ec)) {
    for (const auto& t : TRY(c.store.ListTries(dag_id, run_id, task_id))) {
      if (t.try_number != try_number || !t.log_path.empty() || !t.end_date) continue;
      std::string note = NoLogNote(try_number);
      auto size = static_cast<int64_t>(note.size());
      int64_t from = std::min(offset, size);
      return Json{{"content", note.substr(static_cast<size_t>(from))},
                  {"offset", offset},
                  {"next_offset", std::max(offset, size)},
                  {"size", size},
                  {"finished", true}};
    }
  }
  int64_t wait_seconds = TRY(IntParam(c.req, "wait", 0, 0, kMaxLogWaitSeconds));
  LongPolls::Slot slot =
      wait_seconds > 0 ? c.long_polls.Take(c.who->user.username) : LongPolls::Slot();
  if (!slot.held()) wait_seconds = 0;  // too many waiting already: answer at once
  // Long polling: with `wait`, a request at the end of a running try's log returns as soon
  // as more is written (or the try ends), so a client tailing it keeps up without hammering.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(wait_seconds);
  // A piece is masked with the bytes around it (the masker's context), so a piece that
  // starts or ends inside a secret shows none of it: the secret's bytes in the piece become
  // "***", and one that crosses the piece's end comes whole.
  const int64_t context = static_cast<int64_t>(c.masker.context());
  std::string content;
  int64_t size = 0;
  int64_t next = offset;
  bool finished = false;
  for (;;) {
    std::string window;
    int64_t start = std::max<int64_t>(0, offset - context);
    int64_t to = offset;
    size = 0;
    finished = over();
    std::ifstream in(TRY(source.Path(finished)), std::ios::binary);
    if (in) {
      in.seekg(0, std::ios::end);
      size = in.tellg();
      if (offset < size) {
        to = offset + std::min<int64_t>(kMaxLogChunk, size - offset);
        window.resize(static_cast<size_t>(std::min(size, to + context) - start));
        in.seekg(start);
        in.read(window.data(), static_cast<std::streamsize>(window.size()));
        window.resize(static_cast<size_t>(in.gcount()));
        to = std::min(to, start + static_cast<int64_t>(window.size()));
      }
    }
    if (to <= offset) {
      content.clear();
      next = offset;
    } else {
      int64_t stop = start + static_cast<int64_t>(window.size());
      // The end of the log, once the try is over, is sent whole; anywhere else a piece keeps
      // back the start of a character that is cut (the next piece starts there).
      if (!(finished && to >= size)) {
        to -= static_cast<int64_t>(
            IncompleteCharacter(std::string_view(window).substr(offset - start, to - offset)));
      }
      auto piece = c.masker.MaskRange(window, offset - start, to - start, finished && stop >= size);
      content = std::move(piece.text);
      next = start + static_cast<int64_t>(piece.end);
    }
    if (next > offset || finished || std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ti = TRY(c.store.GetTaskInstance(dag_id, run_id, task_id));
  }
  return Json{{"content", std::move(content)},
              {"offset", offset},
              {"next_offset", next},
              {"size", size},
              {"finished", finished && next >= size}};
}

// The grid (Airflow's main view): the newest runs (limit_runs, default 25, at most 365) up to
// base_date, of one run_type and state when given, as columns, and a page of the DAG's tasks
// (task_limit, default 1000, from task_offset) as rows, each cell a state, try number and
// times. Its cost is linear in the task instances of those runs.
Result<Json> Grid(ApiCtx& c, const std::string& dag_id) {
  TRY(c.store.GetDag(dag_id));
  int limit_runs = static_cast<int>(TRY(IntParam(c.req, "limit_runs", 25, 1, 365)));
  auto task_limit = static_cast<size_t>(TRY(IntParam(c.req, "task_limit", 1000, 1, 100'000)));
  auto task_offset = static_cast<size_t>(TRY(IntParam(c.req, "task_offset", 0, 0, 1 << 30)));
  RunFilter filter = TRY(RunFilterOf(c.req));
  filter.dag_id = dag_id;
  if (std::string base = QueryParam(c.req, "base_date"); !base.empty()) {
    auto t = ParseDateTime(base);
    if (!t) {
      return Err(ErrorCode::kInvalidArgument, "'base_date' must be a date or date-time, got '{}'",
                 base);
    }
    // Runs up to the end of that day (a date) or that moment.
    filter.logical_date_to = base.size() == 10 ? *t + std::chrono::hours(24) - Duration(1) : *t;
  }
  filter.limit = limit_runs;
  Json runs = Json::array();
  TaskInstanceFilter cell_filter;
  cell_filter.dag_id = dag_id;
  for (const auto& r : TRY(c.store.ListRuns(filter))) {
    runs.push_back(DagRunJson(r));
    cell_filter.run_ids.push_back(r.run_id);
  }
  std::vector<std::string> task_order;
  std::unordered_set<std::string> known;
  auto it = c.dags.find(dag_id);
  if (it != c.dags.end()) {
    const TaskGraph& graph = *it->second.graph;
    for (int t : graph.order) {
      task_order.push_back(graph.ids[t]);
      known.insert(graph.ids[t]);
    }
  }
  std::vector<TaskInstance> tis;
  if (!cell_filter.run_ids.empty()) tis = TRY(c.store.ListTaskInstances(cell_filter));
  for (const auto& ti : tis) {
    // A task the current version no longer has goes last.
    if (known.insert(ti.task_id).second) task_order.push_back(ti.task_id);
  }
  size_t first = std::min(task_offset, task_order.size());
  size_t last = std::min(task_order.size(), first + task_limit);
  std::unordered_set<std::string_view> shown(task_order.begin() + first, task_order.begin() + last);
  Json cells = Json::object();
  for (const auto& ti : tis) {
    if (!shown.contains(ti.task_id)) continue;
    Json cell{{"state", TaskStateName(ti.state)},
              {"try_number", ti.try_number},
              {"start_date", OptTime(ti.start_date)},
              {"end_date", OptTime(ti.end_date)}};
    if (ti.marked) cell["marked"] = TaskMarkJson(*ti.marked);  // only when marked
    cells[ti.run_id][ti.task_id] = std::move(cell);
  }
  size_t total_tasks = task_order.size();
  std::vector<std::string> page(std::make_move_iterator(task_order.begin() + first),
                                std::make_move_iterator(task_order.begin() + last));
  return Json{{"dag_id", dag_id},
              {"runs", std::move(runs)},
              {"tasks", std::move(page)},
              {"total_tasks", total_tasks},
              {"cells", std::move(cells)}};
}

// Airflow's /health: the metadata database, and whether a scheduler heartbeat is recent.
Result<Json> Health(ApiCtx& c) {
  auto version = c.store.SchemaVersion();
  Json scheduler{{"status", "unhealthy"}, {"latest_scheduler_heartbeat", Json()}};
  // Health never fails: a database that cannot answer (or predates scheduler_job) means no
  // scheduler is known to be alive.
  // Several schedulers may share the database: healthy while one is alive.
  auto jobs = RecentSchedulerJobs(c.store, c.clock.Now());
  int alive = 0;
  for (const SchedulerJob& job : jobs.value_or(std::vector<SchedulerJob>{})) {
    if (scheduler["latest_scheduler_heartbeat"].is_null()) {
      scheduler["latest_scheduler_heartbeat"] = FormatIso(job.heartbeat_at);  // the newest
    }
    alive += SchedulerIsAlive(job, c.clock.Now()) ? 1 : 0;
  }
  if (alive > 0) scheduler["status"] = "healthy";
  scheduler["alive"] = alive;
  Json metadatabase{{"status", version ? "healthy" : "unhealthy"},
                    {"schema_version", version ? Json(*version) : Json()}};
  // Writes that fail (a full disk) leave reads working: the scheduler says so at once.
  if (c.config.scheduler_health != nullptr) {
    if (auto failing = c.config.scheduler_health->store_error()) {
      std::string error =
          fmt::format("the scheduler cannot write the metadata database since {}: {}",
                      FormatIso(failing->since), failing->message);
      metadatabase["status"] = "unhealthy";
      metadatabase["error"] = error;
      scheduler["status"] = "unhealthy";
      scheduler["error"] = error;
    }
  }
  Json out{{"metadatabase", metadatabase}, {"scheduler", scheduler}};
  if (c.config.executor == "redis") {
    // The workers and the queue: healthy while a worker is alive to take attempts.
    Json cluster = TRY(ClusterJson(c));
    int alive = 0;
    for (const auto& w : cluster["workers"]) alive += w["alive"].get<bool>() ? 1 : 0;
    int64_t waiting = 0;
    for (const auto& q : cluster["queues"]) waiting += q["waiting"].get<int64_t>();
    Json workers{{"status", alive > 0 && !cluster.contains("error") ? "healthy" : "unhealthy"},
                 {"alive", alive}};
    if (cluster.contains("error")) workers["error"] = cluster["error"];
    out["workers"] = std::move(workers);
    out["queue"] = Json{{"waiting", waiting}};
  }
  return out;
}

}  // namespace

Result<Json> RouteRequest(ApiCtx& c, const std::vector<std::string>& s) {
  if (auto conns = RouteConnections(c, s)) return std::move(*conns);
  if (auto transfers = RouteTransfers(c, s)) return std::move(*transfers);
  if (c.req.method != "GET") {
    if (auto written = RouteWrite(c, s)) return std::move(*written);
    return Err(ErrorCode::kNotFound, "no endpoint {} /api/v1{}", c.req.method, c.req.path);
  }
  if (auto audited = RouteAudit(c, s)) return std::move(*audited);
  if (auto workers = RouteWorkers(c, s)) return std::move(*workers);
  size_t n = s.size();
  if (n == 1 && s[0] == "health") return Health(c);
  if (n == 1 && s[0] == "users") return ListUsersJson(c);
  if (n == 2 && s[0] == "auth" && s[1] == "me") {
    return Json{{"username", c.who->user.username},
                {"role", RoleName(c.who->role)},
                {"csrf_token", c.who->csrf_token}};
  }
  if (n == 1 && s[0] == "importErrors") {
    auto errors = TRY(c.store.ListImportErrors());
    return PageOf(errors, TRY(Page(c.req)), "import_errors", ImportErrorJson);
  }
  if (n == 1 && s[0] == "variables") {
    auto vars = TRY(c.store.ListVariables());
    return PageOf(vars, TRY(Page(c.req)), "variables", VariableJson);
  }
  if (n == 1 && s[0] == "pools") return ListPoolsWithSlots(c);
  if (n == 2 && s[0] == "lake" && s[1] == "datasets") {
    auto datasets = TRY(c.store.ListDatasets());
    return PageOf(datasets, TRY(Page(c.req)), "datasets", DatasetSummaryJson);
  }
  if (n == 2 && s[0] == "lake" && s[1] == "schema") {
    std::string dataset = QueryParam(c.req, "dataset");
    auto versions = TRY(c.store.ListDatasetSchemas(dataset));
    if (versions.empty()) {
      return Err(ErrorCode::kNotFound, "the lake catalog has no dataset '{}'", dataset);
    }
    Json out = PageOf(versions, TRY(Page(c.req)), "versions", DatasetSchemaJson);
    CurrentSchema current = TRY(CurrentSchemaOf(c.store, dataset));
    out["current"] =
        Json{{"columns", ColumnsToJson(current.columns)}, {"versions", current.versions}};
    return out;
  }
  if (n == 2 && s[0] == "lake" && s[1] == "objects") {
    auto objects = TRY(c.store.ListLakeObjects(QueryParam(c.req, "prefix")));
    if (std::string dataset = QueryParam(c.req, "dataset"); !dataset.empty()) {
      std::erase_if(objects, [&](const LakeObject& o) { return o.dataset != dataset; });
    }
    return PageOf(objects, TRY(Page(c.req)), "objects", LakeObjectJson);
  }
  if (n == 2 && s[0] == "lake" && s[1] == "history") {
    auto history = TRY(c.store.LakeObjectHistory(QueryParam(c.req, "uri")));
    return PageOf(history, TRY(Page(c.req)), "versions", LakeObjectJson);
  }
  if (n >= 1 && s[0] == "dags") {
    if (n == 1) return ListDags(c);
    const std::string& dag = s[1];
    if (n == 2) return GetDag(c, dag);
    if (n == 3 && s[2] == "source") return DagSource(c, dag);
    if (n == 3 && s[2] == "grid") return Grid(c, dag);
    if (n == 3 && s[2] == "calendar") return Calendar(c, dag);
    if (s[2] == "dagRuns") {
      if (n == 3) return BrowseRuns(c, dag);
      if (n == 4) return RunWithNote(c, TRY(c.store.GetRun(dag, s[3])));
      if (n == 5 && s[4] == "dependencies") return RunDependencies(c, dag, s[3]);
      if (s[4] == "taskInstances") {
        if (n == 5) return BrowseTaskInstances(c, dag, s[3]);
        if (n == 6) return GetTaskInstance(c, dag, s[3], s[5]);
        if (n == 7 && s[6] == "dependencies") return TaskDependencies(c, dag, s[3], s[5]);
        if (n == 8 && s[6] == "logs") return TaskLog(c, dag, s[3], s[5], s[7]);
      }
    }
  }
  return Err(ErrorCode::kNotFound, "no such endpoint: /api/v1{}", c.req.path);
}

}  // namespace weir
