#pragma once

#include <string_view>

#include "base/status.h"

namespace weir {

// The identifiers that become file names (logs/<dag>/<run>/<task>/, work folders) or URL
// segments (/api/v1/dags/<dag>/dagRuns/<run>/...). One rule for all of them, so no id can
// leave its folder, forge a log line or make a record that no endpoint can reach.
enum class IdKind { kDag, kTask, kRun, kPool, kVariable, kConnection, kQueue };

// "dag_id", "task_id", "run_id", "pool", "variable key", "connection id", "queue" (a Redis
// stream's name in distributed mode).
std::string_view IdKindName(IdKind kind);

// The rule: 1 to 250 characters from A-Z a-z 0-9 _ . - ~ : + (Airflow's run id characters),
// not only dots ("." and ".." are folders), and not starting with '-' (it would read as a
// command-line flag).
bool IsValidId(std::string_view id);

// Ok for a valid id; otherwise kInvalidArgument with the one message every caller shows:
// "bad run_id "a/b": use 1 to 250 letters, digits, '_', '.', '-', '~', ':' or '+' ...". The
// id is quoted as JSON (control characters escaped) and cut at 100 characters.
Status CheckId(IdKind kind, std::string_view id);

}  // namespace weir
