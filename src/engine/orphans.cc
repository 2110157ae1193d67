#include "engine/orphans.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "env/process_table.h"

namespace weir {

namespace {

constexpr int kMaxRounds = 50;
constexpr auto kRoundPause = std::chrono::milliseconds(20);
// Rounds spent looking again only because some process showed no environment (200 ms).
constexpr int kMaxUnsureRounds = 10;

// A user process whose environment shows empty may be a try's child between fork and exec
// (`sleep 1000 &` right after the fork): its key cannot be read yet, so look again.
bool MayBeExecing(const ProcessEntry& p) {
  return p.pid > 2 && p.ppid != 2 && ProcessEnvironEmpty(p.pid);
}

// Whether p, a member of the process group lost.pid, is a process of that try: it started
// no earlier than the group's leader and its environment names the same try.
bool IsMemberOfTry(const ProcessEntry& p, const TaskTry& lost) {
  if (lost.proc_start <= 0 || p.start_ticks < lost.proc_start) return false;
  return ProcessEnvValue(p.pid, "WEIR_DAG_ID") == lost.dag_id &&
         ProcessEnvValue(p.pid, "WEIR_RUN_ID") == lost.run_id &&
         ProcessEnvValue(p.pid, "WEIR_TASK_ID") == lost.task_id &&
         ProcessEnvValue(p.pid, "WEIR_TRY_NUMBER") == std::to_string(lost.try_number);
}

}  // namespace

std::vector<OrphanReport> KillLostTries(const std::vector<TaskTry>& lost) {
  std::vector<OrphanReport> reports(lost.size());
  std::map<std::string, size_t> by_key;
  std::map<int, size_t> by_group;
  for (size_t i = 0; i < lost.size(); ++i) {
    if (!lost[i].try_key.empty()) by_key[lost[i].try_key] = i;
    if (lost[i].pid > 0) by_group[lost[i].pid] = i;
  }
  if (by_key.empty() && by_group.empty()) return reports;
  const int self = getpid();
  int unsure_rounds = 0;
  for (int round = 0; round < kMaxRounds; ++round) {
    std::vector<ProcessEntry> processes = ListProcesses();
    // Groups whose recorded leader still runs (or awaits its reaping): the group is the
    // try's for sure, whatever its members' environment says.
    std::set<size_t> led;
    for (const ProcessEntry& p : processes) {
      auto it = by_group.find(p.pid);
      if (it != by_group.end() && p.start_ticks == lost[it->second].proc_start)
        led.insert(it->second);
    }
    int found = 0;
    int unsure = 0;
    for (const ProcessEntry& p : processes) {
      if (p.zombie || p.pid == self) continue;
      std::optional<size_t> index;
      if (auto key = ProcessEnvValue(p.pid, kTryKeyEnv)) {
        if (auto it = by_key.find(*key); it != by_key.end()) index = it->second;
      }
      if (!index) {
        auto it = by_group.find(p.pgid);
        if (it != by_group.end() &&
            (led.contains(it->second) ||
             (lost[it->second].try_key.empty() && IsMemberOfTry(p, lost[it->second])))) {
          index = it->second;
        }
      }
      if (!index) {
        if (MayBeExecing(p)) ++unsure;
        continue;
      }
      if (kill(p.pid, SIGKILL) != 0) continue;
      ++found;
      OrphanReport& r = reports[*index];
      ++r.killed;
      if (p.pid == lost[*index].pid && p.start_ticks == lost[*index].proc_start) {
        r.main_killed = true;
      }
    }
    if (found == 0 && (unsure == 0 || ++unsure_rounds > kMaxUnsureRounds)) break;
    std::this_thread::sleep_for(kRoundPause);
  }
  return reports;
}

std::string LostTryMessage(const TaskTry& t, const OrphanReport& r) {
  if (r.killed == 0) {
    if (t.pid > 0) {
      return fmt::format(
          "attempt lost: weir stopped while it ran; its process (pid {}) had already exited "
          "when weir restarted, so its outcome is unknown",
          t.pid);
    }
    return "attempt lost: weir stopped while it was queued or starting; no process of it was "
           "running when weir restarted";
  }
  int others = r.killed - (r.main_killed ? 1 : 0);
  std::string rest =
      others == 0 ? ""
                  : fmt::format(" and {} process{} it started", others, others == 1 ? "" : "es");
  if (r.main_killed) {
    return fmt::format(
        "attempt lost: weir stopped while it ran; its process (pid {}){} {} still running and "
        "{} killed on restart",
        t.pid, rest, others == 0 ? "was" : "were", others == 0 ? "was" : "were");
  }
  std::string main = t.pid > 0 ? fmt::format("its process (pid {}) had exited", t.pid)
                               : "its pid was not recorded yet";
  return fmt::format(
      "attempt lost: weir stopped while it ran; {}, and {} process{} of it still running {} "
      "killed on restart",
      main, r.killed, r.killed == 1 ? "" : "es", r.killed == 1 ? "was" : "were");
}

Status RecordLostTry(RunStore& store, TaskTry t, const OrphanReport& report, Time now) {
  t.state = TaskState::kFailed;
  t.end_date = now;
  t.error = LostTryMessage(t, report);
  TRY(store.UpdateTry(t));
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(t.log_path).parent_path(), ec);
  std::ofstream(t.log_path, std::ios::app)
      << "\n[weir] " << FormatIso(now) << " " << t.error << "\n";
  return {};
}

}  // namespace weir
