#include "engine/attempts.h"

#include <signal.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <tuple>

#include "base/strings.h"
#include "engine/connections.h"
#include "engine/orphans.h"
#include "engine/retry_policy.h"
#include "engine/test_runs.h"
#include "env/files.h"
#include "model/template.h"
#include "ops/registry.h"

namespace weir {

namespace fs = std::filesystem;

namespace {

std::string Hostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

// 128 random bits: unique among every try any weir ever records, so recovery can find a
// try's processes by it without mistaking another home's for them.
std::string NewTryKey() {
  static thread_local std::random_device rd;  // opening it costs more than reading it
  return fmt::format("{:08x}{:08x}{:08x}{:08x}", rd(), rd(), rd(), rd());
}

// The command line for the log header; each argument masked before it is cut short, so a
// cut never leaves part of a secret.
std::string ArgvText(const std::vector<std::string>& argv, const SecretMasker& masker) {
  std::string out;
  for (const auto& raw : argv) {
    std::string a = masker.Mask(raw);
    if (!out.empty()) out += ' ';
    out += a.size() > 200 ? ShellQuote(a.substr(0, 200)) + "..." : ShellQuote(a);
  }
  return out;
}

std::string VariableEnvName(std::string_view key) {
  std::string env_name = "WEIR_VAR_";
  for (char c : key) env_name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return env_name;
}

// Replaces each argument that names a template file (a .sql file next to the DAG file, for
// the sql operator) with the file's content, rendered. Whether an argument names a file is
// decided on the value as written in the DAG file (as Airflow's template_ext does), never on
// its rendered value: a run's conf must not be able to pick a file to read and render.
Status RenderTemplateFiles(const OperatorSchema& schema, const DagSpec& spec,
                           const TemplateContext& ctx, const Json& written, Json& args) {
  for (const std::string& name : schema.template_file_args) {
    if (!written.is_object() || !written.contains(name) || !written[name].is_string() ||
        !args.contains(name)) {
      continue;
    }
    std::string value = written[name].get<std::string>();
    // A value with a template in it (rendering changed it) is SQL text, not a file name.
    if (value.find('\n') != std::string::npos || args[name] != written[name]) continue;
    bool named = false;
    for (const std::string& ext : schema.template_exts) named = named || value.ends_with(ext);
    if (!named) continue;
    fs::path path(value);
    if (path.is_relative()) path = fs::path(spec.fileloc).parent_path() / path;
    std::string where = spec.fileloc + ": argument '" + name + "' file " + path.string();
    auto text = ReadFile(path.string());
    if (!text) {
      return Err(ErrorCode::kNotFound, "{}: cannot read it: {}", where, text.error().message);
    }
    Template parsed = TRY(Template::Parse(*text, where));
    args[name] = TRY(parsed.Render(ctx));
  }
  return {};
}

}  // namespace

std::string NoLogNote(int try_number) {
  return fmt::format(
      "[weir] try {} ran no process (an `empty` task has nothing to run), so it has no log\n",
      try_number);
}

Result<std::string> LookupVariable(MetadataStore& store, std::string_view key) {
  std::string env_name = VariableEnvName(key);
  if (const char* v = std::getenv(env_name.c_str())) return std::string(v);
  auto var = store.GetVariable(std::string(key));
  if (!var) {
    if (var.error().code == ErrorCode::kNotFound) {
      return Err(ErrorCode::kNotFound,
                 "variable '{}' is not set: set it with `weir variables set {} VALUE` or the "
                 "environment variable {}",
                 key, key, env_name);
    }
    return std::unexpected(var.error());
  }
  return var->value;
}

Result<std::vector<std::string>> LoadSecretValues(MetadataStore& store,
                                                  const std::string& secret_key_file) {
  std::vector<std::string> secrets = TRY(ConnectionSecretValues(store, secret_key_file));
  for (const Variable& v : TRY(store.ListVariables())) {
    if (!v.is_secret) continue;
    secrets.push_back(v.value);
    if (const char* env = std::getenv(VariableEnvName(v.key).c_str())) secrets.emplace_back(env);
  }
  return secrets;
}

Result<SecretMasker> LoadSecretMasker(MetadataStore& store, const std::string& secret_key_file) {
  return SecretMasker(TRY(LoadSecretValues(store, secret_key_file)));
}

TemplateContext MakeTemplateContext(const DagSpec& spec, const DagRun& run,
                                    const std::string& task_id, int try_number,
                                    MetadataStore& store, const std::string& secret_key_file) {
  TemplateContext ctx;
  ctx.dag = &spec;
  ctx.run_id = run.run_id;
  ctx.run_type = std::string(RunTypeName(run.run_type));
  ctx.task_id = task_id;
  ctx.try_number = try_number;
  ctx.logical_date = run.logical_date;
  ctx.data_interval_start = run.data_interval_start;
  ctx.data_interval_end = run.data_interval_end;
  auto zone = FindZone(spec.timezone);
  ctx.zone = zone ? *zone : nullptr;
  auto params = spec.ResolveParams(run.conf);
  ctx.params = params ? *params : Json::object();
  ctx.conf = run.conf;
  std::string dag_id = spec.dag_id;
  std::string run_id = run.run_id;
  ctx.xcom_pull = [&store, dag_id, run_id](std::string_view task,
                                           std::string_view key) -> Result<Json> {
    auto x = TRY(store.GetXCom(dag_id, run_id, std::string(task), std::string(key)));
    if (!x) {
      return Err(ErrorCode::kNotFound, "task '{}' of run '{}' has no XCom '{}'", task, run_id, key);
    }
    return x->value;
  };
  ctx.variable = [&store](std::string_view key) { return LookupVariable(store, key); };
  ctx.connection = [&store, secret_key_file](std::string_view conn_id) -> Result<Json> {
    return ConnectionTemplateJson(TRY(FindConnection(store, secret_key_file, conn_id)));
  };
  return ctx;
}

TaskInstance ApplyOutcome(TaskInstance ti, const TaskSpec* task, const TaskOutcome& outcome,
                          Time now) {
  ti.end_date = now;
  ti.next_retry_at.reset();
  ti.error = outcome.error;
  if (outcome.state == TaskState::kSuccess || outcome.state == TaskState::kSkipped) {
    ti.state = outcome.state;
    return ti;
  }
  if (task != nullptr && CanRetry(ti.try_number, ti.max_tries)) {
    ti.state = TaskState::kUpForRetry;
    ti.next_retry_at = now + RetryDelay(*task, ti.try_number);
  } else {
    ti.state = TaskState::kFailed;
  }
  return ti;
}

Result<PreparedAttempt> PrepareAttempt(const DagSpec& spec, const DagRun& run, const TaskSpec& task,
                                       int try_number, int max_tries, MetadataStore& store,
                                       const SecretMasker& masker, const AttemptPaths& paths,
                                       Time now) {
  PreparedAttempt out;
  out.op = FindOperator(task.operator_name);
  if (out.op == nullptr) {
    return Err(ErrorCode::kInvalidArgument, "unknown operator '{}'", task.operator_name);
  }
  TemplateContext ctx =
      MakeTemplateContext(spec, run, task.task_id, try_number, store, paths.secret_key_file);
  std::string where = spec.fileloc + ": task '" + task.task_id + "'";
  out.args = TRY(RenderArgs(task.args, ctx, where));
  TRY(RenderTemplateFiles(out.op->schema(), spec, ctx, task.args, out.args));

  AttemptContext actx;
  actx.dag_id = spec.dag_id;
  actx.run_id = run.run_id;
  actx.task_id = task.task_id;
  actx.try_number = try_number;
  actx.dags_folder = paths.dags_folder;
  actx.work_dir = (fs::path(paths.work_folder) / spec.dag_id / run.run_id / task.task_id).string();
  std::string logical = FormatIsoOffset(run.logical_date, ctx.zone);
  actx.env = {
      {"WEIR_DAG_ID", spec.dag_id},
      {"WEIR_TASK_ID", task.task_id},
      {"WEIR_RUN_ID", run.run_id},
      {"WEIR_TRY_NUMBER", std::to_string(try_number)},
      {"WEIR_LOGICAL_DATE", logical},
      {"WEIR_DATA_INTERVAL_START", FormatIsoOffset(run.data_interval_start, ctx.zone)},
      {"WEIR_DATA_INTERVAL_END", FormatIsoOffset(run.data_interval_end, ctx.zone)},
      {"WEIR_WORK_DIR", actx.work_dir},
      {"WEIR_LAKE", paths.lake_uri},
      {"AIRFLOW_CTX_DAG_ID", spec.dag_id},
      {"AIRFLOW_CTX_TASK_ID", task.task_id},
      {"AIRFLOW_CTX_DAG_RUN_ID", run.run_id},
      {"AIRFLOW_CTX_TRY_NUMBER", std::to_string(try_number)},
      {"AIRFLOW_CTX_LOGICAL_DATE", logical},
      {"AIRFLOW_CTX_DAG_OWNER", task.owner},
  };
  if (!paths.home.empty()) actx.env["WEIR_HOME"] = paths.home;
  out.spec = TRY(out.op->Prepare(out.args, actx));
  AttemptSpec& as = out.spec;
  as.masker = masker;
  as.key = AttemptKey{spec.dag_id, run.run_id, task.task_id, try_number};
  // Only a process gets a scratch folder and a log: an `empty` task leaves nothing behind
  // (as Airflow's EmptyOperator, which never reaches a worker).
  if (!as.process.argv.empty()) {
    std::error_code ec;
    fs::create_directories(actx.work_dir, ec);
    as.log_path = AttemptLogPath(paths.logs_folder, as.key);
    as.log_timestamps = true;
  }
  as.timeout = task.execution_timeout;
  if (as.log_path.empty()) return out;  // no log to head
  as.log_header = fmt::format(
      "[weir] {} dag {} task {} run {} try {}/{}\n"
      "[weir] data interval [{}, {}) logical date {}\n"
      "[weir] operator {} arguments {}\n",
      FormatIso(now), spec.dag_id, task.task_id, run.run_id, try_number, max_tries,
      FormatIsoOffset(run.data_interval_start, ctx.zone),
      FormatIsoOffset(run.data_interval_end, ctx.zone), logical, task.operator_name,
      out.args.dump());
  if (!as.process.argv.empty()) {
    as.log_header += "[weir] process " + ArgvText(as.process.argv, as.masker) +
                     (as.process.cwd.empty() ? "" : " (in " + as.process.cwd + ")") + "\n";
  }
  if (as.timeout) {
    as.log_header += "[weir] execution_timeout " + FormatDuration(*as.timeout) + "\n";
  }
  return out;
}

AttemptManager::AttemptManager(MetadataStore& store, const Clock& clock, AttemptPaths paths)
    : store_(store), clock_(clock), paths_(std::move(paths)), hostname_(Hostname()) {}

namespace {

// The attempt a prepared try runs, with what a remote executor's worker needs: the try's
// key (it fences its reports), the queue, and the operator and real arguments that
// interpret the attempt's end there.
AttemptSpec SpecOfTry(AttemptSpec as, const Json& args, const TaskSpec& task,
                      const std::string& try_key) {
  as.process.env[std::string(kTryKeyEnv)] = try_key;
  as.try_key = try_key;
  as.queue = task.queue;
  as.operator_name = task.operator_name;
  as.args = args;
  return as;
}

}  // namespace

Result<std::optional<AttemptSpec>> AttemptManager::Remake(
    const std::map<std::string, LoadedDag>& dags, const TaskTry& t, const SecretMasker& masker) {
  auto dag = dags.find(t.dag_id);
  if (dag == dags.end()) return std::nullopt;
  const TaskSpec* task = dag->second.spec->FindTask(t.task_id);
  if (task == nullptr) return std::nullopt;
  auto run = store_.GetRun(t.dag_id, t.run_id);
  auto ti = store_.GetTaskInstance(t.dag_id, t.run_id, t.task_id);
  if (!run || !ti) return std::nullopt;
  auto prepared = PrepareAttempt(*dag->second.spec, *run, *task, t.try_number, ti->max_tries,
                                 store_, masker, paths_, clock_.Now());
  if (!prepared) return std::nullopt;
  return SpecOfTry(std::move(prepared->spec), prepared->args, *task, t.try_key);
}

Result<AttemptManager::Prepared> AttemptManager::Prepare(const LoadedDag& dag, const DagRun& run,
                                                         TaskInstance ti,
                                                         const SecretMasker& masker) {
  const DagSpec& spec = *dag.spec;
  const TaskSpec* task = spec.FindTask(ti.task_id);
  Time now = clock_.Now();
  ti.try_number += 1;
  ti.state = TaskState::kQueued;
  ti.queued_at = now;
  ti.start_date.reset();
  ti.end_date.reset();
  ti.next_retry_at.reset();
  ti.error.clear();
  ti.marked.reset();  // it runs again: its state is its tries' from now on

  TaskTry t;
  t.dag_id = ti.dag_id;
  t.run_id = ti.run_id;
  t.task_id = ti.task_id;
  t.try_number = ti.try_number;
  t.state = TaskState::kQueued;
  t.queued_at = now;
  t.hostname = hostname_;
  t.version_id = dag.version_id;
  AttemptKey key{ti.dag_id, ti.run_id, ti.task_id, ti.try_number};

  if (task == nullptr) {
    t.log_path = AttemptLogPath(paths_.logs_folder, key);  // it says why nothing ran
    return Prepared{std::nullopt, TRY(FailBeforeStart(ti, t, nullptr, masker,
                                                      "the task is no longer in the DAG"))};
  }
  auto prepared =
      PrepareAttempt(spec, run, *task, ti.try_number, ti.max_tries, store_, masker, paths_, now);
  if (!prepared) {
    t.log_path = AttemptLogPath(paths_.logs_folder, key);
    return Prepared{std::nullopt,
                    TRY(FailBeforeStart(ti, t, task, masker, prepared.error().message))};
  }
  t.log_path = prepared->spec.log_path;
  // Recorded for people to read, so masked; the try itself gets the real values.
  t.rendered_args = prepared->args;
  prepared->spec.masker.MaskJson(t.rendered_args);
  // Recorded (the transaction commits) before the executor spawns anything.
  t.try_key = NewTryKey();
  AttemptSpec as = SpecOfTry(std::move(prepared->spec), prepared->args, *task, t.try_key);
  // An earlier try's XComs go (a first try has none: clearing keeps the try number).
  if (ti.try_number > 1) TRY(store_.ClearXComs(ti.dag_id, ti.run_id, ti.task_id));
  TRY(store_.InsertTry(t));
  TRY(store_.UpdateTaskInstance(ti));
  inflight_[key.ToString()] =
      Inflight{prepared->op, std::move(prepared->args), dag.spec, as.masker, std::move(t)};
  return Prepared{std::move(as), std::move(ti)};
}

Result<TaskInstance> AttemptManager::FailBeforeStart(TaskInstance ti, TaskTry t,
                                                     const TaskSpec* task,
                                                     const SecretMasker& masker,
                                                     const std::string& raw_error) {
  Time now = clock_.Now();
  // A template that failed on a secret's value may quote it.
  std::string error = masker.Mask(raw_error);
  t.state = TaskState::kFailed;
  t.start_date = now;
  t.end_date = now;
  t.error = error;
  // The log says why nothing ran, so `weir tasks logs` answers the question.
  std::error_code ec;
  fs::create_directories(fs::path(t.log_path).parent_path(), ec);
  std::ofstream(t.log_path, std::ios::app)
      << "[weir] " << FormatIso(now) << " dag " << ti.dag_id << " task " << ti.task_id << " run "
      << ti.run_id << " try " << ti.try_number << "/" << ti.max_tries << "\n"
      << "[weir] the attempt could not start: " << error << "\n";
  TRY(store_.InsertTry(t));
  ti.start_date = now;
  TaskOutcome outcome{TaskState::kFailed, Json(), error};
  ti = ApplyOutcome(std::move(ti), task, outcome, now);
  TRY(store_.UpdateTaskInstance(ti));
  return ti;
}

namespace {

// A worker's interpretation of an attempt's end ({"state", "xcom", "error"}); a state that
// is not an end counts as failed.
TaskOutcome OutcomeFromJson(const Json& j, const std::string& event_error) {
  TaskOutcome outcome{TaskState::kFailed, Json(), event_error};
  if (!j.is_object()) return outcome;
  auto state = ParseTaskState(j.value("state", ""));
  if (state == TaskState::kSuccess || state == TaskState::kSkipped || state == TaskState::kFailed) {
    outcome.state = *state;
  }
  if (j.contains("xcom")) outcome.xcom = j["xcom"];
  if (j.contains("error") && j["error"].is_string()) outcome.error = j["error"].get<std::string>();
  if (outcome.state == TaskState::kFailed && outcome.error.empty()) outcome.error = event_error;
  return outcome;
}

Result<TaskTry> FindTry(MetadataStore& store, const AttemptKey& key) {
  for (auto& t : TRY(store.ListTries(key.dag_id, key.run_id, key.task_id))) {
    if (t.try_number == key.try_number) return t;
  }
  return Err(ErrorCode::kNotFound, "no try {} recorded", key.ToString());
}

}  // namespace

namespace {

// The try and the task instance as the attempt's start makes them (the task instance only
// when `current`).
void RecordStart(const AttemptEvent& event, TaskTry& t, TaskInstance& ti, bool current) {
  t.state = TaskState::kRunning;
  t.start_date = event.at;
  t.heartbeat_at = event.at;
  t.pid = event.pid;
  t.proc_start = event.proc_start;
  if (!current) return;
  ti.state = TaskState::kRunning;
  ti.start_date = event.at;
}

}  // namespace

Result<TaskTry> AttemptManager::TryOf(const AttemptKey& key) {
  if (auto it = inflight_.find(key.ToString()); it != inflight_.end()) return it->second.row;
  return FindTry(store_, key);
}

Result<TaskInstance> AttemptManager::Current(const AttemptKey& key, const TaskInstance* known) {
  if (known != nullptr) return *known;
  return store_.GetTaskInstance(key.dag_id, key.run_id, key.task_id);
}

Result<std::vector<TaskInstance>> AttemptManager::Apply(const AttemptEvent& event,
                                                        const TaskInstance* known) {
  const AttemptKey& key = event.key;
  TaskTry t = TRY(TryOf(key));
  TRY(CheckFence(event, t));
  TaskInstance ti = TRY(Current(key, known));
  // A task instance cleared or marked while its attempt ran has moved on: the try is still
  // recorded, but it no longer decides the task instance's state.
  const bool current = ti.try_number == key.try_number && IsActive(ti.state);
  if (event.kind == AttemptEvent::Kind::kStarted) {
    RecordStart(event, t, ti, current);
    TRY(WriteTry(event, t));
    if (auto it = inflight_.find(key.ToString()); it != inflight_.end()) it->second.row = t;
    if (current) TRY(store_.UpdateTaskInstance(ti));
  } else {
    TRY(RecordEnd(event, t, ti, current));
  }
  if (!current) return std::vector<TaskInstance>();
  return std::vector<TaskInstance>{std::move(ti)};
}

Result<std::vector<TaskInstance>> AttemptManager::ApplyStartAndEnd(const AttemptEvent& started,
                                                                   const AttemptEvent& finished,
                                                                   const TaskInstance* known) {
  const AttemptKey& key = finished.key;
  TaskTry t = TRY(TryOf(key));
  TRY(CheckFence(finished, t));
  TaskInstance ti = TRY(Current(key, known));
  const bool current = ti.try_number == key.try_number && IsActive(ti.state);
  RecordStart(started, t, ti, current);
  std::vector<TaskInstance> seen;
  if (current) seen.push_back(ti);
  TRY(RecordEnd(finished, t, ti, current));
  if (current) seen.push_back(ti);
  return seen;
}

Status AttemptManager::RecordEnd(const AttemptEvent& event, TaskTry& t, TaskInstance& ti,
                                 bool current) {
  const AttemptKey& key = event.key;
  auto it = inflight_.find(key.ToString());
  TaskOutcome outcome;
  const TaskSpec* task = nullptr;
  if (event.outcome) {
    // Interpreted where it ran (a worker); the retry policy is the DAG's, read here.
    outcome = OutcomeFromJson(*event.outcome, event.error);
    if (it != inflight_.end()) {
      task = it->second.spec->FindTask(key.task_id);
    } else if (task_lookup_) {
      task = task_lookup_(key.dag_id, key.task_id);
    }
  } else if (it != inflight_.end()) {
    outcome = it->second.op->Interpret(it->second.args, event);
    task = it->second.spec->FindTask(key.task_id);
  } else {
    outcome = TaskOutcome{TaskState::kFailed, Json(), event.error};
  }
  if (event.killed && outcome.state != TaskState::kFailed) {
    outcome = TaskOutcome{TaskState::kFailed, Json(), event.error};
  }
  if (event.timed_out && outcome.error.empty()) outcome.error = event.error;
  if (!outcome.error.empty()) {
    outcome.error = it != inflight_.end()
                        ? it->second.masker.Mask(outcome.error)
                        : TRY(LoadSecretMasker(store_, paths_.secret_key_file)).Mask(outcome.error);
  }
  t.state = outcome.state;
  if (!t.start_date) t.start_date = event.at - event.duration;
  t.end_date = event.at;
  // Its last sign of life: later than any heartbeat recorded while it ran, which the try as
  // remembered here may not hold.
  t.heartbeat_at = event.at;
  if (event.exit_code >= 0) t.exit_code = event.exit_code;
  t.error = outcome.error;
  TRY(WriteTry(event, t));
  if (!current) return {};
  if (outcome.state == TaskState::kSuccess && !outcome.xcom.is_null()) {
    TRY(store_.SetXCom(
        XComRow{key.dag_id, key.run_id, key.task_id, "return_value", outcome.xcom, event.at}));
  }
  if (!ti.start_date) ti.start_date = t.start_date;
  ti = ApplyOutcome(std::move(ti), task, outcome, event.at);
  TRY(store_.UpdateTaskInstance(ti));
  return {};
}

Status AttemptManager::CheckFence(const AttemptEvent& event, const TaskTry& t) const {
  if (event.token.empty()) return {};  // this process's own executor
  if (t.try_key != event.token || !IsActive(t.state)) {
    return Err(ErrorCode::kFailedPrecondition,
               "refused the report of attempt {} from worker {}: the try {}", event.key.ToString(),
               event.worker.empty() ? "(unknown)" : event.worker,
               t.try_key != event.token ? "has another key" : "has ended (taken back from it)");
  }
  return {};
}

Status AttemptManager::WriteTry(const AttemptEvent& event, TaskTry& t) {
  if (event.token.empty()) return store_.UpdateTry(t);
  if (!event.worker.empty()) t.hostname = event.worker;
  return store_.UpdateFencedTry(t, event.token);
}

void AttemptManager::Forget(const AttemptKey& key) { inflight_.erase(key.ToString()); }

namespace {

// The (dag_id, run_id) of the test runs still queued or running: each is run by its own
// `weir dags test`, never by the scheduler.
Result<std::set<std::pair<std::string, std::string>>> ActiveTestRuns(MetadataStore& store) {
  std::set<std::pair<std::string, std::string>> runs;
  RunFilter active_tests;
  active_tests.run_type = RunType::kTest;
  active_tests.states = {RunState::kQueued, RunState::kRunning};
  for (const auto& r : TRY(store.ListRuns(active_tests))) runs.emplace(r.dag_id, r.run_id);
  return runs;
}

}  // namespace

Status AttemptManager::RecoverOrphans(const std::map<std::string, LoadedDag>& dags) {
  Time now = clock_.Now();
  TRY(EndOrphanedTestRuns(store_, now));
  return store_.Transaction([&]() -> Status {
    // The test runs left are run by a live `weir dags test`: theirs to finish.
    const auto test_runs = TRY(ActiveTestRuns(store_));
    auto of_test_run = [&](const auto& row) { return test_runs.count({row.dag_id, row.run_id}); };
    std::vector<TaskTry> lost = TRY(store_.ListUnfinishedTries());
    std::erase_if(lost, of_test_run);
    // Before any try is retried: never two tries of one task alive at once.
    std::vector<OrphanReport> reports = KillLostTries(lost);
    for (size_t i = 0; i < lost.size(); ++i) {
      TaskTry& t = lost[i];
      TRY(RecordLostTry(store_, t, reports[i], now));
      std::string error = LostTryMessage(t, reports[i]);
      auto ti = store_.GetTaskInstance(t.dag_id, t.run_id, t.task_id);
      if (!ti || ti->try_number != t.try_number || !IsActive(ti->state)) continue;
      const TaskSpec* task = nullptr;
      if (auto d = dags.find(t.dag_id); d != dags.end()) task = d->second.spec->FindTask(t.task_id);
      TRY(store_.UpdateTaskInstance(
          ApplyOutcome(*ti, task, TaskOutcome{TaskState::kFailed, Json(), error}, now)));
    }
    // Chosen but never started: the planner will choose them again.
    for (auto& ti : TRY(store_.ListTaskInstancesOfActiveRuns())) {
      if (of_test_run(ti)) continue;
      if (ti.state == TaskState::kScheduled || IsActive(ti.state)) {
        ti.state = TaskState::kNone;
        TRY(store_.UpdateTaskInstance(ti));
      }
    }
    return {};
  });
}

Status AttemptManager::AdoptRemote(Executor& executor, const std::map<std::string, LoadedDag>& dags,
                                   const std::set<std::string>* only_dags) {
  TRY(EndOrphanedTestRuns(store_, clock_.Now()));
  auto other = [&](const std::string& dag_id) {
    return only_dags != nullptr && !only_dags->contains(dag_id);
  };
  return store_.Transaction([&]() -> Status {
    // The test runs left are run by a live `weir dags test`, with its own executor.
    const auto test_runs = TRY(ActiveTestRuns(store_));
    std::set<std::tuple<std::string, std::string, std::string>> held;
    std::optional<SecretMasker> masker;
    for (const TaskTry& t : TRY(store_.ListUnfinishedTries())) {
      if (other(t.dag_id) || test_runs.contains({t.dag_id, t.run_id})) continue;
      std::optional<AttemptSpec> remade;
      if (t.state == TaskState::kQueued && !t.try_key.empty()) {
        if (!masker) masker = TRY(LoadSecretMasker(store_, paths_.secret_key_file));
        remade = TRY(Remake(dags, t, *masker));
      }
      if (remade) {
        executor.AdoptQueued(*remade);
      } else {
        executor.Adopt(AttemptKey{t.dag_id, t.run_id, t.task_id, t.try_number}, t.try_key,
                       t.state == TaskState::kRunning);
      }
      held.emplace(t.dag_id, t.run_id, t.task_id);
    }
    for (auto& ti : TRY(store_.ListTaskInstancesOfActiveRuns())) {
      bool chosen = ti.state == TaskState::kScheduled || IsActive(ti.state);
      if (!chosen || other(ti.dag_id) || test_runs.contains({ti.dag_id, ti.run_id}) ||
          held.contains({ti.dag_id, ti.run_id, ti.task_id})) {
        continue;
      }
      ti.state = TaskState::kNone;
      TRY(store_.UpdateTaskInstance(ti));
    }
    return {};
  });
}

void AttemptManager::ForgetDag(const std::string& dag_id) {
  const std::string prefix = dag_id + "/";
  std::erase_if(inflight_, [&](const auto& entry) { return entry.first.starts_with(prefix); });
}

}  // namespace weir
