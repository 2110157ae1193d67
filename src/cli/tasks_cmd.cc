// `weir tasks list|clear|logs|state|mark|failed-deps`.
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <regex>
#include <thread>

#include "base/strings.h"
#include "cli/commands.h"
#include "engine/actions.h"
#include "engine/attempts.h"
#include "engine/connections.h"
#include "engine/remote_logs.h"
#include "engine/waits.h"
#include "store/records_json.h"

namespace weir {

namespace {

Result<int> ListTasks(CliState& state, const std::string& dag_id) {
  auto ctx = TRY(state.Open());
  const LoadedDag* dag = TRY(ctx->FindDag(dag_id));
  Table t({"task_id", "operator", "depends_on"});
  for (const auto& task : dag->spec->tasks) {
    t.AddRow({task.task_id, task.operator_name, Join(task.upstream, ",")},
             Json{{"task_id", task.task_id},
                  {"operator", task.operator_name},
                  {"depends_on", task.upstream}});
  }
  t.Print(state.format(), ctx->masker);
  return kExitOk;
}

// The runs a clear applies to: one run id, or every run whose logical date is in range.
Result<std::vector<DagRun>> SelectRuns(CliContext& ctx, const DagSpec& spec,
                                       const std::string& run_id, const std::string& start,
                                       const std::string& end) {
  if (!run_id.empty()) {
    return std::vector<DagRun>{TRY(ctx.FindRun(spec.dag_id, run_id))};
  }
  if (start.empty() && end.empty()) {
    return Err(ErrorCode::kInvalidArgument,
               "say which runs to clear: --run-id RUN, or --start-date/--end-date");
  }
  RunFilter f;
  f.dag_id = spec.dag_id;
  if (!start.empty()) f.logical_date_from = TRY(ParseCliDate(start, spec.timezone, "--start-date"));
  if (!end.empty()) f.logical_date_to = TRY(ParseCliDate(end, spec.timezone, "--end-date"));
  return ctx.store->ListRuns(f);
}

Result<std::vector<std::string>> MatchTasks(const DagSpec& spec, const std::string& regex) {
  std::vector<std::string> ids;
  if (regex.empty()) return ids;
  std::regex re;
  try {
    re = std::regex(regex);
  } catch (const std::regex_error& e) {
    return Err(ErrorCode::kInvalidArgument, "--task-regex '{}' is not a valid regex: {}", regex,
               e.what());
  }
  for (const auto& t : spec.tasks) {
    if (std::regex_search(t.task_id, re)) ids.push_back(t.task_id);
  }
  if (ids.empty()) {
    return Err(ErrorCode::kNotFound, "no task of DAG '{}' matches '{}'", spec.dag_id, regex);
  }
  return ids;
}

struct ClearArgs {
  std::string dag_id, task_regex, run_id, start, end, state;
  bool upstream = false, downstream = false, past = false, future = false;
  bool only_failed = false, dry_run = false, yes = false;
};

ClearRequest RequestOf(const ClearArgs& a, const std::string& run_id,
                       std::vector<std::string> task_ids) {
  ClearRequest req;
  req.run_id = run_id;
  req.task_ids = std::move(task_ids);
  req.upstream = a.upstream;
  req.downstream = a.downstream;
  req.past = a.past;
  req.future = a.future;
  req.only_failed = a.only_failed;
  req.dry_run = a.dry_run;
  req.by = OsUserName();
  return req;
}

// "success", or "success (marked by ada at 2021-03-02 10:00 UTC, was failed; it did not run)".
std::string StateText(const TaskInstance& ti) {
  std::string text(TaskStateName(ti.state));
  if (!ti.marked) return text;
  return fmt::format(
      "{} (marked by {} at {} UTC, was {}; {})", text, ti.marked->by, ShortTime(ti.marked->at),
      TaskStateName(ti.marked->from),
      ti.try_number == 0 ? "it did not run" : fmt::format("its last try was {}", ti.try_number));
}

// Asks on a terminal, unless --yes; true to go on.
bool Confirmed(const ClearArgs& a, const std::string& question) {
  if (a.yes || !isatty(STDIN_FILENO)) return true;
  fmt::print("{} [y/N] ", question);
  std::fflush(stdout);
  std::string answer;
  std::getline(std::cin, answer);
  return answer == "y" || answer == "Y" || answer == "yes";
}

Result<int> Clear(CliState& state, const ClearArgs& a) {
  auto ctx = TRY(state.Open());
  const LoadedDag* dag = TRY(ctx->FindDag(a.dag_id));
  if ((a.past || a.future) && a.run_id.empty()) {
    return Err(ErrorCode::kInvalidArgument,
               "--past and --future widen one run: give it with --run-id (a date range already "
               "names its runs)");
  }
  auto runs = TRY(SelectRuns(*ctx, *dag->spec, a.run_id, a.start, a.end));
  auto task_ids = TRY(MatchTasks(*dag->spec, a.task_regex));
  // What would be cleared, shown first: the list is the question.
  std::vector<TaskInstance> preview;
  for (const auto& run : runs) {
    ClearRequest dry = RequestOf(a, run.run_id, task_ids);
    dry.dry_run = true;
    for (auto& ti : TRY(ClearTasks(*ctx->store, *dag->spec, dry, ctx->clock, ctx->killer())))
      preview.push_back(std::move(ti));
  }
  const bool table = state.format() == OutputFormat::kTable;
  auto print = [&](const std::vector<TaskInstance>& tis, const std::vector<TaskInstance>& was) {
    Table t({"run_id", "task_id", "was"});
    for (const auto& ti : tis) {
      std::string before;
      for (const auto& b : was) {
        if (b.run_id == ti.run_id && b.task_id == ti.task_id) before = StateText(b);
      }
      t.AddRow({ti.run_id, ti.task_id, before},
               Json{{"run_id", ti.run_id}, {"task_id", ti.task_id}, {"was", before}});
    }
    t.Print(state.format(), ctx->masker);
  };
  if (a.dry_run) {
    print(preview, preview);
    if (table) fmt::print("{} task instance(s) would be cleared (dry run)\n", preview.size());
    return kExitOk;
  }
  if (preview.empty()) {
    if (table) fmt::print("0 task instance(s) cleared: nothing matches\n");
    return kExitOk;
  }
  if (!a.yes && isatty(STDIN_FILENO)) {
    print(preview, preview);
    if (!Confirmed(a, fmt::format("Clear these {} task instance(s)?", preview.size()))) {
      fmt::print("Nothing cleared.\n");
      return kExitOk;
    }
  }
  std::vector<TaskInstance> cleared;
  for (const auto& run : runs) {
    for (auto& ti : TRY(Audited(*ctx).Clear(*dag->spec, RequestOf(a, run.run_id, task_ids)))) {
      cleared.push_back(std::move(ti));
    }
  }
  ctx->WakeScheduler();
  print(cleared, preview);
  if (table) fmt::print("{} task instance(s) cleared\n", cleared.size());
  return kExitOk;
}

Result<int> Mark(CliState& state, const ClearArgs& a, const std::string& task_id) {
  auto ctx = TRY(state.Open());
  const LoadedDag* dag = TRY(ctx->FindDag(a.dag_id));
  auto target = ParseTaskState(a.state);
  if (!target || (*target != TaskState::kSuccess && *target != TaskState::kFailed &&
                  *target != TaskState::kSkipped)) {
    return Err(ErrorCode::kInvalidArgument, "--state must be success, failed or skipped");
  }
  DagRun run = TRY(ctx->FindRun(a.dag_id, a.run_id));
  TRY(ctx->FindTaskInstance(run, task_id));
  ClearRequest req = RequestOf(a, run.run_id, {task_id});
  req.only_failed = false;
  auto marked = TRY(Audited(*ctx).Mark(*dag->spec, req, *target));
  if (!a.dry_run) ctx->WakeScheduler();
  for (const auto& ti : marked) {
    // A mark records the state it replaced; a dry run shows the state as it is.
    std::string from =
        !a.dry_run && ti.marked ? std::string(TaskStateName(ti.marked->from)) : StateText(ti);
    fmt::print("{} {} {} -> {}\n", ti.run_id, ti.task_id, from, a.state);
  }
  if (a.dry_run) {
    fmt::print("{} task instance(s) would be marked {} (dry run)\n", marked.size(), a.state);
  } else if (marked.empty()) {
    fmt::print("nothing marked: {} is {} already\n", task_id, a.state);
  }
  return kExitOk;
}

Result<int> State(CliState& state, const std::string& dag_id, const std::string& task_id,
                  const std::string& run_id) {
  auto ctx = TRY(state.Open(false));
  DagRun run = TRY(ctx->FindRun(dag_id, run_id));
  TaskInstance ti = TRY(ctx->FindTaskInstance(run, task_id));
  if (state.format() == OutputFormat::kJson) {
    fmt::print("{}\n", Json({{"dag_id", ti.dag_id},
                             {"run_id", ti.run_id},
                             {"task_id", ti.task_id},
                             {"state", TaskStateName(ti.state)},
                             {"try_number", ti.try_number},
                             {"max_tries", ti.max_tries},
                             {"error", ctx->masker.Mask(ti.error)},
                             {"marked", ti.marked ? TaskMarkJson(*ti.marked) : Json()}})
                           .dump(2));
  } else {
    // The state alone on stdout, as scripts compare it; a mark is said on stderr.
    fmt::print("{}\n", TaskStateName(ti.state));
    if (ti.marked) fmt::print(stderr, "{}\n", StateText(ti));
  }
  return kExitOk;
}

// Airflow's `tasks failed-deps`: what keeps the task instance from running, as the scheduler
// decides it now (engine/waits.h); "all met" when nothing does.
Result<int> FailedDeps(CliState& state, const std::string& dag_id, const std::string& task_id,
                       const std::string& run_text) {
  auto ctx = TRY(state.Open());
  TRY(ctx->FindDag(dag_id));
  const DagRun run = TRY(ctx->FindRun(dag_id, run_text));
  const std::string& run_id = run.run_id;
  TaskInstance ti = TRY(ctx->FindTaskInstance(run, task_id));
  RunWaits waits = TRY(ExplainWaits(*ctx->store, ctx->registry->dags(), dag_id, run_id,
                                    WaitQuery{ctx->clock.Now(), ctx->config.parallelism}));
  WaitExplanation wait;
  for (const auto& t : waits.tasks) {
    if (t.ti.task_id == task_id) {
      ti = t.ti;
      wait = t.wait;
    }
  }
  if (state.format() == OutputFormat::kJson) {
    Json j = WaitExplanationJson(wait);
    j["dag_id"] = dag_id;
    j["run_id"] = run_id;
    j["task_id"] = task_id;
    j["state"] = TaskStateName(ti.state);
    fmt::print("{}\n", ctx->masker.Mask(j.dump(2)));
    return kExitOk;
  }
  std::string out;
  switch (wait.status) {
    case WaitStatus::kWaiting:
      out = "Task instance dependencies not met:\n";
      for (const auto& r : wait.reasons) {
        out += fmt::format("{}: {}\n", WaitCodeTitle(r.code), r.text);
      }
      break;
    case WaitStatus::kReady:
    case WaitStatus::kStarting:
      out = fmt::format("Task instance dependencies are all met.\n{}\n", wait.Summary());
      break;
    case WaitStatus::kRunning:
      out = "Task instance is running: it waits for nothing.\n";
      break;
    case WaitStatus::kFinished:
      out = fmt::format("Task instance is {}: it runs again only when it is cleared.\n",
                        TaskStateName(ti.state));
      break;
  }
  fmt::print("{}", ctx->masker.Mask(out));
  return kExitOk;
}

// Whether the log ends with the lines the executor ends every try with: its exit status, the
// signal that killed it, its timeout or why it could not start (then, perhaps, a line on
// its result).
bool EndsWithStatusLine(std::string_view log) {
  while (log.ends_with('\n')) log.remove_suffix(1);
  for (int line = 0; line < 2 && !log.empty(); ++line) {
    size_t start = log.rfind('\n');
    std::string_view last = start == std::string_view::npos ? log : log.substr(start + 1);
    for (std::string_view end : {"[weir] exit status ", "[weir] killed", "[weir] timed out",
                                 "[weir] could not start", "[weir] nothing to run"}) {
      if (last.find(end) != std::string_view::npos) return true;
    }
    log = start == std::string_view::npos ? std::string_view() : log.substr(0, start);
  }
  return false;
}

Result<int> Logs(CliState& state, const std::string& dag_id, const std::string& task_id,
                 const std::string& run_text, int try_number, bool follow) {
  auto ctx = TRY(state.Open(false));
  const std::string run_id = TRY(ctx->FindRun(dag_id, run_text)).run_id;
  auto tries = TRY(ctx->store->ListTries(dag_id, run_id, task_id));
  if (tries.empty()) {
    TRY(ctx->FindTaskInstance(TRY(ctx->store->GetRun(dag_id, run_id)), task_id));
    return Err(ErrorCode::kNotFound, "task {} of run {} has not run yet: no log", task_id, run_id);
  }
  const TaskTry* chosen = &tries.back();
  for (const auto& t : tries) {
    if (try_number > 0 && t.try_number == try_number) chosen = &t;
  }
  if (try_number > 0 && chosen->try_number != try_number) {
    return Err(ErrorCode::kNotFound, "task {} of run {} has tries 1 to {}, not {}", task_id, run_id,
               tries.back().try_number, try_number);
  }
  if (chosen->log_path.empty()) {
    fmt::print("{}", NoLogNote(chosen->try_number));
    return kExitOk;
  }
  std::ifstream in(chosen->log_path, std::ios::binary);
  // A try that ran on another machine (a worker) has its log there; with remote_logs, a copy
  // of it is read instead, fetched again while the try runs.
  const AttemptKey key{dag_id, run_id, task_id, chosen->try_number};
  std::unique_ptr<ObjectStore> remote_store;
  std::optional<RemoteLogCopy> remote;
  if (!in) {
    if (ctx->config.remote_logs.empty()) {
      return Err(ErrorCode::kNotFound,
                 "log file {} is missing (a try that ran on a worker has its log on that "
                 "machine; set remote_logs to keep a copy every machine can read: "
                 "docs/distributed.md)",
                 chosen->log_path);
    }
    ConnectionFinder find = [&ctx](const std::string& id) {
      return FindConnection(*ctx->store, ctx->config.secret_key_file, id);
    };
    remote_store = TRY(OpenRemoteLogs(ctx->config.remote_logs, {ctx->config.lake_conn_id, find}));
    remote = TRY(RemoteLogCopy::Fetch(*remote_store, key));
    if (!remote) {
      return Err(ErrorCode::kNotFound,
                 "log file {} is missing, and remote_logs {} has no copy of it (yet: a worker "
                 "sends a running try's log every few seconds)",
                 chosen->log_path, remote_store->uri());
    }
    in.open(remote->path(), std::ios::binary);
    if (!in)
      return Err(ErrorCode::kIo, "cannot read {}, the copy of {}", remote->path(), key.ToString());
  }
  // The file was masked as it was written; this also hides secrets set since.
  MaskingStream masked;
  std::string tail;  // the last bytes printed: does the log end with the try's status line?
  auto print = [&](std::string_view text) {
    std::cout << text;
    tail.append(text);
    if (tail.size() > 4096) tail.erase(0, tail.size() - 4096);
  };
  int64_t consumed = 0;  // bytes of the log read so far
  auto copy = [&] {
    char buf[64 * 1024];
    in.clear();
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
      consumed += in.gcount();
      print(masked.Feed(ctx->masker, std::string_view(buf, in.gcount())));
    }
    std::cout.flush();
  };
  // A remote copy is fetched again when it changed: at most once a second, or at once (`now`)
  // when the try ended, whose complete log was sent before its end was reported.
  auto last_fetch = std::chrono::steady_clock::now();
  auto refresh = [&](bool now) -> Status {
    if (!remote) return {};
    if (!now && std::chrono::steady_clock::now() - last_fetch < std::chrono::seconds(1)) return {};
    last_fetch = std::chrono::steady_clock::now();
    if (!TRY(remote->Refresh(*remote_store))) return {};
    in.close();
    in.clear();
    in.open(remote->path(), std::ios::binary);
    in.seekg(consumed);
    return {};
  };
  copy();
  std::optional<TaskTry> ended;
  while (follow) {
    // Follow the file while the try runs; the try's row says when it is over.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    TRY(refresh(false));
    copy();
    std::optional<Time> heartbeat;
    for (const auto& t : TRY(ctx->store->ListTries(dag_id, run_id, task_id))) {
      if (t.try_number != chosen->try_number) continue;
      if (IsFinished(t.state)) ended = t;
      heartbeat = t.heartbeat_at ? t.heartbeat_at : t.start_date;
    }
    if (ended) break;
    // A running try's scheduler records its heartbeat every heartbeat_interval; with none
    // for six of them, no one will record its end: say so rather than wait for ever.
    Duration stale = 6 * ctx->config.heartbeat_interval;
    if (heartbeat && ctx->clock.Now() - *heartbeat > stale) {
      TRY(refresh(true));
      copy();
      print(masked.Finish(ctx->masker));
      std::cout << (tail.empty() || tail.ends_with('\n') ? "" : "\n")
                << fmt::format(
                       "[weir] try {} has had no heartbeat since {}: is its scheduler "
                       "running? `weir tasks logs` again shows the rest\n",
                       chosen->try_number, FormatIso(*heartbeat));
      std::cout.flush();
      return kExitOk;
    }
  }
  if (ended) {
    // A try ended by a mark or a kill is over in the store before its process writes the
    // last line: wait a little for it, then say how the try ended if the log does not.
    TRY(refresh(true));
    copy();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!EndsWithStatusLine(tail) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      TRY(refresh(false));
      copy();
    }
  }
  print(masked.Finish(ctx->masker));
  if (ended && !EndsWithStatusLine(tail)) {
    std::string line =
        fmt::format("[weir] try {} ended {}{}\n", ended->try_number, TaskStateName(ended->state),
                    ended->error.empty() ? "" : ": " + ended->error);
    std::cout << (tail.empty() || tail.ends_with('\n') ? "" : "\n") << ctx->masker.Mask(line);
  }
  std::cout.flush();
  return kExitOk;
}

}  // namespace

void AddTasksCommands(CLI::App& tasks, CliState& state) {
  static std::string dag_id, task_id, run_id;
  static int try_number = 0;
  static bool follow = false;
  static ClearArgs clear;

  auto* list = tasks.add_subcommand("list", "List a DAG's tasks");
  list->add_option("dag_id", dag_id, "The DAG")->required();
  AddOutputOption(list, state);
  list->callback([&state] { state.Run([&] { return ListTasks(state, dag_id); }); });

  auto* c = tasks.add_subcommand("clear", "Clear task instances so that they run again");
  c->add_option("dag_id", clear.dag_id, "The DAG")->required();
  c->add_option("-t,--task-regex", clear.task_regex, "Only tasks whose id matches (default all)");
  c->add_option("-r,--run-id", clear.run_id, "Only this run (its run id or logical date)");
  c->add_option("-s,--start-date", clear.start, "Runs with a logical date from this one");
  c->add_option("-e,--end-date", clear.end, "Runs with a logical date up to this one");
  c->add_flag("-u,--upstream", clear.upstream, "Also clear tasks upstream of the matches");
  c->add_flag("-d,--downstream", clear.downstream, "Also clear tasks downstream of the matches");
  c->add_flag("--past", clear.past, "Also the same tasks in earlier runs (with --run-id)");
  c->add_flag("--future", clear.future, "Also the same tasks in later runs (with --run-id)");
  c->add_flag("-f,--only-failed", clear.only_failed, "Only failed and upstream_failed tasks");
  c->add_flag("-n,--dry-run", clear.dry_run, "List what would be cleared; change nothing");
  c->add_flag("-y,--yes", clear.yes, "Do not ask for confirmation");
  AddOutputOption(c, state);
  c->callback([&state] { state.Run([&] { return Clear(state, clear); }); });

  auto* mark = tasks.add_subcommand("mark", "Mark a task instance success, failed or skipped");
  mark->add_option("dag_id", clear.dag_id, "The DAG")->required();
  mark->add_option("task_id", task_id, "The task")->required();
  mark->add_option("run_id", clear.run_id, "The run: its run id or logical date")->required();
  mark->add_option("--state", clear.state, "success, failed or skipped")->required();
  mark->add_flag("-u,--upstream", clear.upstream, "Also mark tasks upstream (default: no)");
  mark->add_flag("-d,--downstream", clear.downstream, "Also mark tasks downstream (default: no)");
  mark->add_flag("--past", clear.past, "Also the same task in earlier runs");
  mark->add_flag("--future", clear.future, "Also the same task in later runs");
  mark->add_flag("-n,--dry-run", clear.dry_run, "List what would be marked; change nothing");
  mark->callback([&state] { state.Run([&] { return Mark(state, clear, task_id); }); });

  auto* st = tasks.add_subcommand("state", "Print the state of a task instance");
  st->add_option("dag_id", dag_id, "The DAG")->required();
  st->add_option("task_id", task_id, "The task")->required();
  st->add_option("run_id", run_id, "The run: its run id or logical date")->required();
  AddOutputOption(st, state);
  st->callback([&state] { state.Run([&] { return State(state, dag_id, task_id, run_id); }); });

  auto* deps = tasks.add_subcommand(
      "failed-deps", "Print what keeps a task instance from running (its unmet dependencies)");
  deps->add_option("dag_id", dag_id, "The DAG")->required();
  deps->add_option("task_id", task_id, "The task")->required();
  deps->add_option("run_id", run_id, "The run: its run id or logical date")->required();
  AddOutputOption(deps, state);
  deps->callback(
      [&state] { state.Run([&] { return FailedDeps(state, dag_id, task_id, run_id); }); });

  auto* logs = tasks.add_subcommand("logs", "Print the log of a task instance's try");
  logs->add_option("dag_id", dag_id, "The DAG")->required();
  logs->add_option("task_id", task_id, "The task")->required();
  logs->add_option("run_id", run_id, "The run: its run id or logical date")->required();
  logs->add_option("--try", try_number, "Try number (default: the latest)");
  logs->add_flag("-f,--follow", follow, "Keep printing while the try runs");
  logs->callback([&state] {
    state.Run([&] { return Logs(state, dag_id, task_id, run_id, try_number, follow); });
  });
}

}  // namespace weir
