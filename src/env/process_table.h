#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weir {

// One process as /proc/<pid>/stat shows it.
struct ProcessEntry {
  int pid = 0;
  int pgid = 0;             // its process group
  int ppid = 0;             // its parent (2, kthreadd, for a kernel thread)
  int64_t start_ticks = 0;  // starttime: with pid, names the process across pid reuse
  bool zombie = false;      // exited, not yet reaped: nothing left to kill
};

// The process pid, or nullopt when it does not exist (or /proc cannot be read).
std::optional<ProcessEntry> ReadProcessEntry(int pid);

// Every process /proc lists now, this one included; processes that exit while the list is
// read are left out.
std::vector<ProcessEntry> ListProcesses();

// The value of `name` in pid's environment as it was passed to exec (a process that changes
// its own environment later does not change this), or nullopt when it is not set, the process
// is gone, or its environment is not ours to read (another user's process).
std::optional<std::string> ProcessEnvValue(int pid, std::string_view name);

// Whether pid's environment reads as empty although it can be read: a kernel thread, a
// process started with none, or one between fork and exec (for a moment the kernel shows no
// environment then), so a caller looking for a variable may have to look again.
bool ProcessEnvironEmpty(int pid);

}  // namespace weir
