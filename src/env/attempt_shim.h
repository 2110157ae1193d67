#pragma once

#include <string>
#include <vector>

namespace weir {

// The hidden command `weir _attempt-shim -- ARGV...`, which a worker puts in front of every
// attempt it runs, so that an attempt never outlives its worker: killed with kill -9, a
// worker cannot end its attempts, and the scheduler would start the retry elsewhere while the
// first try still ran.
//
// The shim asks the kernel for SIGUSR2 when its parent (the worker's thread that spawned it)
// dies, starts ARGV as its child in its own process group (which the worker made for it),
// and waits. When the child exits, the shim exits the same way (the same status, or the same
// signal). SIGTERM and SIGINT are passed to the child (the worker's kill reaches the whole
// group anyway). SIGUSR2 (the worker died) kills the whole process group with SIGKILL.
//
// Returns the exit status for main(); does not return when the child died of a signal (the
// shim raises that signal on itself).
int RunAttemptShim(const std::vector<std::string>& argv);

inline constexpr char kAttemptShimCommand[] = "_attempt-shim";

}  // namespace weir
