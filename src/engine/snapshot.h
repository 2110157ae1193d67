#pragma once

#include <map>
#include <string>

#include "base/status.h"
#include "engine/dag_registry.h"
#include "engine/planner.h"
#include "store/metadata_store.h"

namespace weir {

// The planner's view of `dags` (the registry's): spec, graph and latest version, with the
// paused flags `paused` gives (dag_id -> is_paused).
PlannerDag MakePlannerDag(const LoadedDag& dag, bool paused);

// For each depends_on_past task of `run`, the same task's instance in the run before (by
// logical date), when there is one.
Result<std::map<std::string, PreviousTask>> ReadPrevious(MetadataStore& store, const DagSpec& spec,
                                                         const DagRun& run);

// What Plan() sees, read from the store at `now`: `dags` with their paused flags, every
// queued or running run with its task instances, the previous run's state of each
// depends_on_past task, and the pools. The scheduler's loop (when it loads its state) and the
// explanation of waits (waits.h) both read it here, so both plan from the same picture. Left
// for the caller: last_scheduled of each DAG, executor_free_slots and only_run.
Result<PlannerInput> ReadPlannerInput(MetadataStore& store,
                                      const std::map<std::string, LoadedDag>& dags, Time now);

}  // namespace weir
