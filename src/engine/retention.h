#pragma once

#include <string>
#include <utility>
#include <vector>

#include "engine/attempts.h"
#include "store/audit_store.h"
#include "store/metadata_store.h"

namespace weir {

// What `weir db clean` and the `retention` setting remove (Airflow's `db clean`): finished
// runs (success or failed) that ended before a moment, with their task instances, tries and
// XCom (the store deletes them with the run), their logs and their work folders.
struct CleanOptions {
  Time before{};         // runs that ended (never started: were queued) before this go
  int batch_size = 500;  // runs deleted per transaction: other writers wait one batch at most
  bool dry_run = false;  // only report what would go
  // Also audit events recorded before `before` (`weir db clean --audit`): the audit log has
  // its own rule, so removing runs keeps it unless asked.
  bool audit_events = false;
};

struct CleanReport {
  std::vector<std::pair<std::string, std::string>> runs;  // (dag_id, run_id), oldest first
  int64_t audit_events = 0;  // removed (or, in a dry run, that would be)
};

// Removes what `options` selects. Never an active run (queued or running), nor the newest
// scheduled run of a DAG: it anchors the next interval, and without it the scheduler would
// create the deleted intervals again. Files go after their batch is committed; a folder
// that cannot be removed is left (and named on stderr), never a reason to fail.
Result<CleanReport> CleanHistory(MetadataStore& store, const AttemptPaths& paths,
                                 const CleanOptions& options);

// Removes the work folder of a finished run, work/<dag_id>/<run_id>, unless `keep` says to
// keep it: "never" removes always, "failed" (the default) keeps failed runs' folders,
// "always" keeps every folder.
// Removes the audit events recorded before `before` (the `audit_retention` setting); returns
// how many.
Result<int> CleanAuditLog(AuditStore& store, Time before);

void RemoveRunWorkFolder(const AttemptPaths& paths, const DagRun& run, const std::string& keep);

}  // namespace weir
