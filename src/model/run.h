#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/boxed.h"
#include "base/json.h"
#include "base/time.h"
#include "model/state.h"

namespace weir {

// A run of a DAG and the task instances in it: what the planner decides about and the store
// keeps. Plain values.

struct DagRun {
  std::string dag_id;
  std::string run_id;  // "scheduled__2021-01-01T00:00:00+00:00", "manual__...", "backfill__..."
  RunType run_type = RunType::kManual;
  RunState state = RunState::kQueued;
  Time logical_date{};
  Time data_interval_start{};
  Time data_interval_end{};
  Time queued_at{};
  std::optional<Time> start_date;
  std::optional<Time> end_date;
  Json conf = Json::object();
  int64_t version_id = 0;  // the DAG version the run was created with
  // Why the scheduler ended it as it did ("dagrun_timeout of 30m reached"); people's notes
  // are kept apart (Note).
  std::string reason;
};

// Who set a task instance's state by hand, when, and from which state.
struct TaskMark {
  std::string by;  // the user ("ada"), or the OS user for the CLI
  Time at{};
  TaskState from = TaskState::kNone;
};

struct TaskInstance {
  std::string dag_id;
  std::string run_id;
  std::string task_id;
  TaskState state = TaskState::kNone;
  int try_number = 0;  // the latest try; 0 when never tried
  int max_tries = 0;   // retries + 1, raised by clear
  std::string operator_name;
  std::string pool = "default_pool";
  int pool_slots = 1;
  int priority_weight = 1;
  std::optional<Time> start_date;  // of the latest try
  std::optional<Time> end_date;
  std::optional<Time> next_retry_at;  // when up_for_retry becomes schedulable again
  std::optional<Time> queued_at;
  std::string error;  // last failure reason, for people
  // Set when a person marked it success, failed or skipped (a mark, not a try, put it in its
  // state); gone once it is cleared or a try of it starts.
  Boxed<TaskMark> marked;
};

// A run, named by its DAG and run id.
struct RunKey {
  std::string dag_id;
  std::string run_id;
  auto operator<=>(const RunKey&) const = default;
};

// A task instance, named by its DAG, run and task.
struct TaskKey {
  std::string dag_id;
  std::string run_id;
  std::string task_id;
  auto operator<=>(const TaskKey&) const = default;
  RunKey run() const { return RunKey{dag_id, run_id}; }
};

inline RunKey KeyOf(const DagRun& run) { return RunKey{run.dag_id, run.run_id}; }
inline TaskKey KeyOf(const TaskInstance& ti) { return TaskKey{ti.dag_id, ti.run_id, ti.task_id}; }

}  // namespace weir
