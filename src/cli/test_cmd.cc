// `weir dags test DAG [DATE]` and `weir tasks test DAG TASK [DATE]`: run in the foreground.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include <atomic>
#include <filesystem>
#include <unordered_set>

#include "cli/commands.h"
#include "cli/signals.h"
#include "engine/actions.h"
#include "engine/attempts.h"
#include "engine/connections.h"
#include "engine/lease_keeper.h"
#include "engine/scheduler.h"
#include "engine/task_graph.h"
#include "engine/test_runs.h"
#include "exec/local_executor.h"
#include "lake/catalog.h"
#include "ops/native.h"
#include "store/open.h"

namespace weir {

namespace {

namespace fs = std::filesystem;

// The child of a native operator's attempt: its context comes from the configuration
// (which the attempt's WEIR_HOME selects) and the attempt's WEIR_* variables.
int RunNative(const std::string& name) {
  NativeContext ctx;
  auto config = LoadConfig();
  if (!config) return FailNativeOperator(config.error().message);
  ctx.lake_uri = config->lake;
  ctx.database_url = config->database;
  ctx.warehouse_path = config->warehouse;
  ctx.logs_folder = config->logs_folder;
  ctx.duck.memory_limit = config->duckdb_memory_limit;
  ctx.duck.threads = config->duckdb_threads;
  ctx.duck.extension_directory = config->duckdb_extension_directory;
  ctx.duck.temp_directory = (std::filesystem::path(config->work_folder) / ".duckdb_tmp").string();
  ctx.lake_conn_id = config->lake_conn_id;
  ctx.find_connection = [db = config->database, key_file = config->secret_key_file](
                            const std::string& id) -> Result<Connection> {
    auto store = TRY(OpenMetadataStore(db));
    return FindConnection(*store, key_file, id);
  };
  ctx.find_source_copy = [db = config->database,
                          access = LakeAccess{ctx.lake_conn_id, ctx.find_connection}](
                             const std::string& url) -> Result<std::optional<SourceCopy>> {
    auto store = TRY(OpenMetadataStore(db));
    auto copy = TRY(CurrentCopyOfSource(*store, url, access));
    if (!copy) return std::optional<SourceCopy>();
    return SourceCopy{url, copy->source_etag, copy->source_last_modified, copy->uri};
  };
  return RunNativeOperator(name, std::move(ctx));
}

// "HH:MM:SS" (UTC): formatted once a second, however many lines a second prints.
const std::string& Clock24(Time t) {
  static thread_local std::pair<int64_t, std::string> last{-1, ""};
  int64_t second = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  if (second != last.first) last = {second, FormatTime(t, "%H:%M:%S")};
  return last.second;
}

// Whether a reason the planner gives is a limit the test run waits on (a pool, the executor,
// max_active_tasks, depends_on_past), rather than its own progress (upstream tasks running).
bool IsLimit(WaitCode code) {
  switch (code) {
    case WaitCode::kMaxActiveRuns:
    case WaitCode::kDependsOnPast:
    case WaitCode::kExecutorFull:
    case WaitCode::kMaxActiveTasks:
    case WaitCode::kPoolMissing:
    case WaitCode::kPoolFull:
      return true;
    default:
      return false;
  }
}

// Prints what the test run waits for when that changes, and again every 30 s while it lasts,
// so a test that cannot go on says why instead of sitting silent. Task instances that wait on
// the same kind of limit share one line (a fan-out of thousands waits on max_active_tasks).
class WaitReporter {
 public:
  WaitReporter(const CliContext& ctx, std::string dag_id, std::string run_id)
      : ctx_(ctx), dag_id_(std::move(dag_id)), run_id_(std::move(run_id)) {}

  void Report(const WaitReport& waits) {
    struct Group {
      std::vector<std::string> tasks;
      std::string text;  // the first task instance's reason
    };
    std::map<WaitCode, Group> groups;
    std::vector<std::string> lines;
    if (auto it = waits.runs.find({dag_id_, run_id_}); it != waits.runs.end()) {
      for (const auto& r : it->second) {
        if (IsLimit(r.code)) lines.push_back(fmt::format("{:<24} waits: {}", "(run)", r.text));
      }
    }
    for (const auto& [key, reasons] : waits.tasks) {
      if (key.dag_id != dag_id_ || key.run_id != run_id_) continue;
      for (const auto& r : reasons) {
        if (!IsLimit(r.code)) continue;
        Group& g = groups[r.code];
        if (g.tasks.empty()) g.text = r.text;
        g.tasks.push_back(key.task_id);
      }
    }
    std::vector<WaitCode> codes;
    for (const auto& [code, g] : groups) {
      codes.push_back(code);
      std::string what = g.tasks.front();
      if (g.tasks.size() > 1) {
        what = fmt::format("{} tasks ({}, ...)", g.tasks.size(), g.tasks.front());
      }
      lines.push_back(fmt::format("{:<24} waits: {}", what, g.text));
    }
    Time now = ctx_.clock.Now();
    bool same = codes == codes_ && lines.size() == printed_lines_;
    if (same && (lines.empty() || now - printed_at_ < std::chrono::seconds(30))) return;
    if (!same) since_ = now;
    codes_ = std::move(codes);
    printed_lines_ = lines.size();
    printed_at_ = now;
    for (const auto& line : lines) {
      std::string still = now == since_ ? "" : " (still, for " + FormatDuration(now - since_) + ")";
      fmt::print("{}  {}{}\n", Clock24(now), ctx_.masker.Mask(line), still);
    }
    std::fflush(stdout);
  }

 private:
  const CliContext& ctx_;
  const std::string dag_id_;
  const std::string run_id_;
  std::vector<WaitCode> codes_;  // the kinds of limit printed last
  size_t printed_lines_ = 0;
  Time printed_at_{};
  Time since_{};
};

// Takes the lease that marks this process as the owner of the test run (engine/test_runs.h),
// after ending the test runs whose owners are gone (whose leftover processes it kills).
Result<std::unique_ptr<LeaseKeeper>> OwnTestRun(CliContext& ctx, const std::string& dag_id,
                                                const std::string& run_id) {
  TRY(EndOrphanedTestRuns(*ctx.store, ctx.clock.Now()));
  if (TRY(TestRunOwnerAlive(*ctx.store, dag_id, run_id, ctx.clock.Now()))) {
    return Err(ErrorCode::kUnavailable,
               "another `weir dags test` is running test run {} of {}: wait for it, or stop it",
               run_id, dag_id);
  }
  auto lease = std::make_unique<LeaseKeeper>(*ctx.store, ctx.clock, ctx.config.home,
                                             LeaseTtl(ctx.config.heartbeat_interval),
                                             TestRunLeaseName(dag_id, run_id));
  Status acquired = lease->Acquire();
  if (!acquired) {
    return Err(acquired.error().code, "taking test run {} of {}: {}", run_id, dag_id,
               acquired.error().message);
  }
  return lease;
}

Result<int> TestDag(CliState& state, const std::string& dag_id, const std::string& date,
                    const std::string& conf_text) {
  auto ctx = TRY(state.Open());
  const LoadedDag* dag = TRY(ctx->FindDagToTest(dag_id));
  TriggerRequest req;
  if (!conf_text.empty()) req.conf = TRY(ParseJson(conf_text, "--conf"));
  TRY(ValidateConf(*dag->spec, req.conf));  // before a lease or a run is made
  req.logical_date = date.empty() ? ctx->clock.Now()
                                  : TRY(ParseCliDate(date, dag->spec->timezone, "logical date"));
  req.run_type = RunType::kTest;
  req.run_id = MakeRunId(RunType::kTest, *req.logical_date);
  req.schedule_interval = true;
  req.replace_existing = true;

  // From here on SIGINT and SIGTERM end the run instead of the process.
  EventQueue queue(ctx->clock);
  std::atomic<int> interrupted{0};
  SignalStopper stopper([&](int sig) {
    interrupted = sig;
    queue.Post(SchedulerEvent{SchedulerEvent::Kind::kStop, {}});
  });
  std::unique_ptr<LeaseKeeper> lease = TRY(OwnTestRun(*ctx, dag_id, req.run_id));
  DagRun run = TRY(Audited(*ctx).Trigger(*dag, req));
  const date::time_zone* zone = *FindZone(dag->spec->timezone);
  fmt::print("run {} of {} covers [{}, {})\n", run.run_id, dag_id,
             FormatIsoOffset(run.data_interval_start, zone),
             FormatIsoOffset(run.data_interval_end, zone));
  std::fflush(stdout);

  LocalExecutor executor(ctx->config.parallelism, queue.AttemptPoster());
  SchedulerOptions options;
  options.paths = ctx->attempt_paths();
  options.watch_dags = false;
  options.recover_orphans = false;
  options.record_job = false;  // a test run is no scheduler: GET /health must not count it
  options.only_run = std::make_pair(run.dag_id, run.run_id);
  options.heartbeat_interval = ctx->config.heartbeat_interval;
  options.lease = lease.get();  // renewed with the heartbeat: this process owns the run
  Scheduler scheduler(*ctx->store, executor, queue, ctx->clock, *ctx->registry, options);
  WaitReporter waits(*ctx, run.dag_id, run.run_id);
  std::map<std::string, TaskState> last;
  RunState final_state = RunState::kRunning;
  SchedulerObserver observer;
  observer.on_waits = [&](const WaitReport& w) { waits.Report(w); };
  observer.on_task = [&](const TaskInstance& ti) {
    if (ti.run_id != run.run_id) return;
    auto it = last.find(ti.task_id);
    if (it != last.end() && it->second == ti.state) return;
    last[ti.task_id] = ti.state;
    std::string extra;
    if (ti.state == TaskState::kRunning || ti.state == TaskState::kQueued) {
      extra = fmt::format(" (try {}/{})", ti.try_number, ti.max_tries);
    }
    if (ti.state == TaskState::kUpForRetry && ti.next_retry_at) {
      extra = " (retry at " + FormatIsoOffset(*ti.next_retry_at, zone) + ")";
    }
    if (!ti.error.empty() &&
        (ti.state == TaskState::kFailed || ti.state == TaskState::kUpForRetry)) {
      extra += ": " + ti.error;
    }
    fmt::print("{}  {:<24} {}{}\n", Clock24(ctx->clock.Now()), ti.task_id, TaskStateName(ti.state),
               ctx->masker.Mask(extra));
  };
  // Live, a step at a time: a run of 10,000 tasks writes once a step, not 40,000 times.
  observer.on_step_told = [] { std::fflush(stdout); };
  observer.on_run = [&](const DagRun& r) {
    if (r.run_id == run.run_id) final_state = r.state;
  };
  scheduler.set_observer(observer);
  auto started = std::chrono::steady_clock::now();
  Status s = interrupted ? Status() : scheduler.Run();
  executor.Shutdown();  // kills the process group of every try still running
  TRY(s);
  TRY(scheduler.Finish());
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (interrupted) {
    // Nothing of an interrupted test run stays queued or running (docs/cli.md).
    DagRun current = TRY(ctx->store->GetRun(run.dag_id, run.run_id));
    if (current.state == RunState::kQueued || current.state == RunState::kRunning) {
      TRY(EndTestRun(*ctx->store, current,
                     fmt::format("interrupted: `weir dags test` got {}",
                                 interrupted == SIGINT ? "SIGINT" : "SIGTERM"),
                     ctx->clock.Now()));
    }
  }

  Table t({"task_id", "state", "tries", "duration", "log"});
  auto tis = TRY(ctx->store->ListTaskInstances(run.dag_id, run.run_id));
  // In the order the DAG runs them, not alphabetically (a task no longer in the DAG last).
  const TaskGraph& graph = *dag->graph;
  auto rank_of = [&](const TaskInstance& ti) {
    int number = graph.Find(ti.task_id);
    return number < 0 ? graph.size() : graph.rank[number];
  };
  std::vector<std::pair<int, size_t>> order;
  order.reserve(tis.size());
  for (size_t i = 0; i < tis.size(); ++i) order.emplace_back(rank_of(tis[i]), i);
  std::stable_sort(order.begin(), order.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  // The logs there are, found in one walk: an `empty` task ran nothing and has no log.
  std::unordered_set<std::string> logs;
  std::error_code ec;
  fs::path run_logs = fs::path(ctx->config.logs_folder) / run.dag_id / run.run_id;
  for (auto it = fs::recursive_directory_iterator(run_logs, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec)) logs.insert(it->path().string());
  }
  for (const auto& [rank, index] : order) {
    const TaskInstance& ti = tis[index];
    std::string duration;
    if (ti.start_date && ti.end_date) duration = FormatDuration(*ti.end_date - *ti.start_date);
    std::string log;
    if (ti.try_number > 0) {
      log = AttemptLogPath(ctx->config.logs_folder,
                           AttemptKey{ti.dag_id, ti.run_id, ti.task_id, ti.try_number});
      if (!logs.contains(log)) log.clear();
    }
    t.AddRow({ti.task_id, std::string(TaskStateName(ti.state)), std::to_string(ti.try_number),
              duration, log},
             Json{{"task_id", ti.task_id},
                  {"state", TaskStateName(ti.state)},
                  {"try_number", ti.try_number},
                  {"duration_seconds", ti.start_date && ti.end_date
                                           ? Json(ToSeconds(*ti.end_date - *ti.start_date))
                                           : Json()},
                  {"log", log}});
  }
  fmt::print("\n");
  t.Print(state.format(), ctx->masker);
  if (interrupted) {
    fmt::print("\ninterrupted after {:.1f}s: running tasks were killed\n", secs);
    return kExitFailed;
  }
  fmt::print("\nrun {} {} in {:.1f}s\n", run.run_id, RunStateName(final_state), secs);
  return final_state == RunState::kSuccess ? kExitOk : kExitFailed;
}

// The run a task test renders against: the real run at that logical date when one exists
// (so xcom_pull sees its XComs), else one made up for the occasion.
Result<DagRun> RunForTaskTest(CliContext& ctx, const LoadedDag& dag, Time logical) {
  RunFilter f;
  f.dag_id = dag.spec->dag_id;
  f.logical_date_from = logical;
  f.logical_date_to = logical;
  auto runs = TRY(ctx.store->ListRuns(f));
  if (!runs.empty()) return runs.front();
  DagRun run;
  run.dag_id = dag.spec->dag_id;
  run.run_type = RunType::kTest;
  run.run_id = "test__" + FormatIsoOffset(logical, nullptr);
  run.logical_date = logical;
  DataInterval interval{logical, logical};
  if (dag.spec->timetable) {
    auto intervals = dag.spec->timetable->IntervalsBetween(logical, logical);
    if (!intervals.empty()) interval = intervals.front();
  }
  run.data_interval_start = interval.start;
  run.data_interval_end = interval.end;
  run.queued_at = ctx.clock.Now();
  return run;
}

Result<int> TestTask(CliState& state, const std::string& dag_id, const std::string& task_id,
                     const std::string& date, bool render_only) {
  auto ctx = TRY(state.Open());
  const LoadedDag* dag = TRY(ctx->FindDagToTest(dag_id));
  const TaskSpec* task = dag->spec->FindTask(task_id);
  if (task == nullptr) {
    return Err(ErrorCode::kNotFound, "DAG '{}' has no task '{}'; `weir tasks list {}` lists them",
               dag_id, task_id, dag_id);
  }
  Time logical = date.empty() ? ctx->clock.Now()
                              : TRY(ParseCliDate(date, dag->spec->timezone, "logical date"));
  DagRun run = TRY(RunForTaskTest(*ctx, *dag, logical));
  AttemptPaths paths = ctx->attempt_paths();
  PreparedAttempt prepared = TRY(PrepareAttempt(
      *dag->spec, run, *task, 1, task->retries + 1, *ctx->store,
      TRY(LoadSecretMasker(*ctx->store, paths.secret_key_file)), paths, ctx->clock.Now()));
  const SecretMasker& masker = prepared.spec.masker;
  if (render_only) {
    masker.MaskJson(prepared.args);
    if (state.format() == OutputFormat::kJson) {
      fmt::print("{}\n", prepared.args.dump(2));
    } else {
      for (const auto& [key, value] : prepared.args.items()) {
        fmt::print("# {}\n{}\n\n", key,
                   value.is_string() ? value.get<std::string>() : value.dump(2));
      }
    }
    return kExitOk;
  }
  // The log goes to the terminal; nothing is recorded in the store.
  prepared.spec.log_path = "/dev/stdout";
  prepared.spec.log_timestamps = false;  // a terminal shows the output as the task wrote it
  EventQueue queue(ctx->clock);
  LocalExecutor executor(1, queue.AttemptPoster());
  TRY(executor.Submit(prepared.spec));
  std::optional<AttemptEvent> finished;
  while (!finished) {
    for (auto& ev : queue.WaitAndDrain(std::nullopt)) {
      if (ev.kind == SchedulerEvent::Kind::kAttempt &&
          ev.attempt.kind == AttemptEvent::Kind::kFinished) {
        finished = ev.attempt;
      }
    }
  }
  executor.Shutdown();
  TaskOutcome outcome = prepared.op->Interpret(prepared.args, *finished);
  fmt::print("\ntask {} {}", task_id, TaskStateName(outcome.state));
  if (!outcome.xcom.is_null()) fmt::print(", XCom {}", masker.Mask(outcome.xcom.dump()));
  if (!outcome.error.empty()) fmt::print(": {}", masker.Mask(outcome.error));
  fmt::print("\n");
  return outcome.state == TaskState::kFailed ? kExitFailed : kExitOk;
}

}  // namespace

void AddDagsTestCommands(CLI::App& dags, CLI::App& tasks, CliState& state) {
  static std::string dag_id, task_id, date, conf;
  auto* test = dags.add_subcommand(
      "test", "Run one whole run of a DAG now, in the foreground, printing task states");
  test->add_option("dag_id", dag_id, "The DAG")->required();
  test->add_option("logical_date", date, "Logical date (YYYY-MM-DD[THH:MM]); default now");
  test->add_option("-c,--conf", conf, "JSON object: params overrides and dag_run.conf");
  AddOutputOption(test, state);
  test->callback([&state] { state.Run([&] { return TestDag(state, dag_id, date, conf); }); });

  auto* ttest =
      tasks.add_subcommand("test", "Run one task now, printing its log; records no state");
  ttest->add_option("dag_id", dag_id, "The DAG")->required();
  ttest->add_option("task_id", task_id, "The task")->required();
  ttest->add_option("logical_date", date, "Logical date; default now");
  ttest->callback(
      [&state] { state.Run([&] { return TestTask(state, dag_id, task_id, date, false); }); });

  // The child process of a native operator's attempt (ops/native.h); not for people.
  static std::string native_name;
  auto* native = tasks.add_subcommand("run-native", "");
  native->group("");
  native->add_option("operator", native_name)->required();
  native->callback([&state] { state.exit_code = RunNative(native_name); });

  auto* render = tasks.add_subcommand("render", "Print a task's arguments with templates rendered");
  render->add_option("dag_id", dag_id, "The DAG")->required();
  render->add_option("task_id", task_id, "The task")->required();
  render->add_option("logical_date", date, "Logical date; default now");
  AddOutputOption(render, state);
  render->callback(
      [&state] { state.Run([&] { return TestTask(state, dag_id, task_id, date, true); }); });
}

}  // namespace weir
