#pragma once

#include <functional>
#include <optional>
#include <string>

#include "base/json.h"
#include "base/secret_masker.h"
#include "base/time.h"
#include "env/process.h"

namespace weir {

// Identifies one try of one task instance.
struct AttemptKey {
  std::string dag_id;
  std::string run_id;
  std::string task_id;
  int try_number = 0;
  bool operator==(const AttemptKey&) const = default;
  std::string ToString() const;  // "dag/run/task#try"
};

// Where a try's log goes: <logs_folder>/<dag_id>/<run_id>/<task_id>/attempt-<try>.log. What
// else a try keeps beside its log (a transfer's report) is named after it.
std::string AttemptLogPath(const std::string& logs_folder, const AttemptKey& key);

// One attempt to run: the process an operator prepared, where its log goes, its deadline.
struct AttemptSpec {
  AttemptKey key;
  ProcessSpec process;              // argv empty: nothing to run, the attempt succeeds at once
  bool result_channel = false;      // the process writes its JSON result to fd 3
  std::string log_path;             // created with its parent folders; appended to
  std::string log_header;           // written first: what ran, with which arguments
  bool log_timestamps = false;      // every log line starts with its UTC time (AttemptLog)
  std::optional<Duration> timeout;  // execution_timeout: the process group is killed
  SecretMasker masker;              // what the log must never show (header, output, footer)
  // For executors that run the attempt elsewhere (the Redis executor's workers): the try's
  // key (its fencing token: reports carry it, and the store refuses one that is not the
  // try's), the task's queue, and what the worker needs to interpret the attempt's end (the
  // operator's name and the rendered arguments, secrets included: they travel sealed).
  std::string try_key;
  std::string queue = "default";
  std::string operator_name;
  Json args;
};

// What happened to an attempt. Delivered twice per attempt: once when its process started
// (kind == kStarted, with pid) and once when it ended (kFinished).
struct AttemptEvent {
  enum class Kind { kStarted, kFinished };
  Kind kind = Kind::kFinished;
  AttemptKey key;
  int pid = 0;
  int64_t proc_start = 0;
  Time at{};
  // For kFinished:
  int exit_code = -1;   // -1 when killed by a signal or never started
  int term_signal = 0;  // the signal that ended it, 0 if none
  bool timed_out = false;
  bool killed = false;           // Kill() was called
  std::string error;             // why it could not start, or how it ended, for people
  std::optional<Json> result;    // what the process wrote to fd 3, parsed
  std::string last_stdout_line;  // the last non-empty line written to stdout
  Duration duration{};
  // From a remote executor: the try's key the attempt ran with (the store checks it), the
  // worker that ran it, and, for kFinished, the outcome the worker's operator made of the
  // end ({"state", "xcom", "error"}); unset: the scheduler interprets it.
  std::string token;
  std::string worker;
  std::optional<Json> outcome;
};

using AttemptCallback = std::function<void(AttemptEvent)>;

// Where a started attempt runs, as its kStarted event reported it and its try recorded it
// (TaskTry::pid, proc_start): enough to find the attempt again from another process.
struct AttemptProcess {
  int pid = 0;             // 0: never started, nothing to end
  int64_t proc_start = 0;  // the process's start time: tells it from a later one with its pid
};

// Ends running attempts for people's actions (clear, mark): all that engine/actions needs of
// an executor. The process that asks (the API server, the CLI, the scheduler) need not be the
// one that started the attempt, so the attempt is named by what its try recorded; each
// executor ends it its own way (the local one signals its process group; a distributed one
// tells the worker that runs it).
class AttemptKiller {
 public:
  virtual ~AttemptKiller() = default;
  // Ends attempt `key`, started as `process`, at once: the whole of it (its process group),
  // whether or not this process started it. Does nothing when the attempt has ended, or when
  // process.pid now names another process (the pid was reused). `reason` says why, for the
  // attempt's log where the executor writes one.
  virtual void Kill(const AttemptKey& key, const AttemptProcess& process,
                    const std::string& reason) = 0;
};

// Runs attempts. Events arrive on the executor's own thread through the callback given at
// construction; the callback must be quick (post to a queue and return).
class Executor : public AttemptKiller {
 public:
  ~Executor() override = default;
  // Starts the attempt or fails at once (the process could not be spawned is reported as a
  // kFinished event, not an error). kFailedPrecondition when no slot is free.
  virtual Status Submit(AttemptSpec spec) = 0;
  // Kills an attempt this executor runs: its process group (SIGTERM, then SIGKILL after a
  // grace period). The scheduler's way, for the attempts it submitted.
  virtual void Kill(const AttemptKey& key, const std::string& reason) = 0;
  // AttemptKiller's Kill: any attempt of this executor's kind, from any process.
  using AttemptKiller::Kill;
  virtual int Running() const = 0;
  virtual int Capacity() const = 0;  // parallelism
  // Kills every running attempt and joins the executor's threads.
  virtual void Shutdown() = 0;

  // Whether attempts run elsewhere and outlive this process (the Redis executor's workers):
  // then a scheduler that starts adopts the tries the store says are queued or running,
  // instead of ending them as orphans.
  virtual bool remote() const { return false; }
  // Takes over the watch of a try an earlier scheduler submitted (remote executors only):
  // its reports are delivered, and it is reported lost when its worker is gone.
  virtual void Adopt(const AttemptKey& /*key*/, const std::string& /*token*/, bool /*started*/) {}
  // Adopt for a try recorded as queued and not yet started, made again by the new
  // scheduler (the same try, key and token): sent again if its message never reached the
  // queue or was lost (the scheduler that queued it died before sending it); the try's
  // claim still lets it run once.
  virtual void AdoptQueued(const AttemptSpec& spec) { Adopt(spec.key, spec.try_key, false); }
};

}  // namespace weir
