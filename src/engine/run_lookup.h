#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/time.h"
#include "store/run_store.h"

namespace weir {

// Finding the run and the task instance a person named (the CLI's RUN and TASK arguments),
// with errors that say which of the two is missing and what was meant.

// The run of DAG `dag_id` that `text` names: the run with that run id, else the run whose
// logical date is `text` read as a date or date-time ("2021-03-01", "2021-03-01T06:00",
// with an optional offset; wall time in `zone`), as Airflow's `tasks state DAG TASK DATE`.
// Errors: kNotFound saying the run is missing (not the task) with the closest run ids, by
// spelling and by logical date; kInvalidArgument when the date is the logical date of
// several runs, naming them. Store errors as they come.
Result<DagRun> LookUpRun(RunStore& store, const std::string& dag_id, const std::string& text,
                         const date::time_zone* zone);

// The task instance of `task_id` in `run`. kNotFound naming the task and the run, with the
// closest task ids of the run.
Result<TaskInstance> LookUpTaskInstance(RunStore& store, const DagRun& run,
                                        const std::string& task_id);

// At most `limit` run ids of `runs` that `text` may have meant, best first: with `date` (what
// `text` says as a date), the runs with the nearest logical dates before and after it; then
// the ids that contain `text` or are a plausible typo of it, closest spelling first.
std::vector<std::string> ClosestRunIds(const std::vector<DagRun>& runs, std::string_view text,
                                       std::optional<Time> date, size_t limit = 3);

}  // namespace weir
