#pragma once

#include "base/json.h"
#include "store/records.h"

namespace weir {

// The records as JSON, one shape for every reader: `weir ... -o json` and the REST API.
// Times are ISO 8601 in UTC ("2021-01-01T00:00:00Z"); unset times are null.
// A time as ISO 8601, or null.
Json OptTime(const std::optional<Time>& t);
Json DagRowJson(const DagRow& d);
Json DagRunJson(const DagRun& r);
// {"by", "at", "from_state"}: who marked a task instance, when, and its state before.
Json TaskMarkJson(const TaskMark& mark);
Json TaskInstanceJson(const TaskInstance& ti);
Json TaskTryJson(const TaskTry& t);
Json ImportErrorJson(const ImportError& e);
// A secret variable's value is "***": it never leaves the store in a listing.
Json VariableJson(const Variable& v);
Json PoolJson(const Pool& p);
Json LakeObjectJson(const LakeObject& o);
Json DatasetSchemaJson(const DatasetSchema& s);
Json DatasetSummaryJson(const DatasetSummary& d);
// Airflow's event log shape: event_log_id, when, event (the action), owner (the username),
// dag_id, run_id, task_id (null when not about one), extra (the details, an object), and
// weir's source and origin.
Json AuditEventJson(const AuditEvent& e);

}  // namespace weir
