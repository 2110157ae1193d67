#pragma once

#include <string>
#include <vector>

#include "store/run_store.h"

namespace weir {

// The environment variable that carries a try's key (TaskTry::try_key) into its process
// and, by inheritance, into every process that one starts.
inline constexpr std::string_view kTryKeyEnv = "WEIR_TRY_KEY";

// What recovery found of one lost try's processes.
struct OrphanReport {
  int killed = 0;            // processes of the try still running on restart, now SIGKILLed
  bool main_killed = false;  // its recorded main process (pid) was one of them
};

// Kills whatever is left of `lost`, tries a stopped weir started on this machine: every
// process whose environment carries the try's key (found even when no pid was recorded,
// and when it left the try's process group); the whole process group of a recorded pid that
// still runs as the same process (same start time); and for tries without a key (recorded
// by an older weir) whose leader is gone, the members of its group that started no earlier
// than it and whose environment names the same DAG, run, task and try. Never this process.
// Scans /proc again after each round of SIGKILLs until a scan finds nothing (forks between
// a scan and its kills are caught by the next scan), at most about a second. Returns one
// report per entry of `lost`, in order.
std::vector<OrphanReport> KillLostTries(const std::vector<TaskTry>& lost);

// What happened to a lost try, for its error and its log: whether its processes were still
// running and were killed, or had already exited.
std::string LostTryMessage(const TaskTry& t, const OrphanReport& report);

// Records lost try `t` as failed with LostTryMessage as its error, and appends that to its
// log. Leaves its task instance alone.
Status RecordLostTry(RunStore& store, TaskTry t, const OrphanReport& report, Time now);

}  // namespace weir
