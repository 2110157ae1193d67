#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "engine/audited_actions.h"
#include "engine/dag_registry.h"
#include "model/operator_schema.h"
#include "store/metadata_store.h"
#include "transfer/job.h"

namespace weir {

// Transfer jobs (transfer/job.h) as the CLI and the API change and show them: a job's
// generated DAG is checked before any file is written, each change is recorded in the audit
// log with the job, and a job's runs are summarised from its `transfer` task's XCom.

// Whether `job`'s generated DAG parses, and its name is free: no DAG of another file in
// `dags` has it. kInvalidArgument naming the problem and what to do.
Status CheckTransferJobDag(const TransferJob& job, const std::string& dags_folder,
                           const std::vector<OperatorSchema>& operators,
                           const std::map<std::string, LoadedDag>& dags);

// Checks the job (CheckTransferJobDag) and writes its files with an audit record
// (transfer_job_create or transfer_job_update, the job as details). `create` refuses a name
// taken by a job (kAlreadyExists); otherwise the job must exist (kNotFound).
Status SaveTransferJobAudited(AuditedActions& audited, const std::string& dags_folder,
                              const std::vector<OperatorSchema>& operators,
                              const std::map<std::string, LoadedDag>& dags, const TransferJob& job,
                              bool create);

// Removes a job's files with an audit record (transfer_job_delete); kNotFound when there is
// no such job. Its runs and logs stay.
Status DeleteTransferJobAudited(AuditedActions& audited, const std::string& dags_folder,
                                const std::string& name);

// What the `transfer` task of a run returned: {source, sink, dry_run, counters, failures,
// report, ...}; null when it has returned nothing (running, failed, or no such task).
Json TransferRunSummary(RunStore& store, const DagRun& run);

// A job as lists show it: TransferJobJson, plus "paused", "dag_file", "last_run" (run_id,
// state, dates; null when never run) and "last_run_summary" (TransferRunSummary).
Result<Json> TransferJobListing(MetadataStore& store, const std::string& dags_folder,
                                const TransferJob& job);

// The job's schedule in words: "only when run", "once at 2026-12-06 02:00 UTC", "every 6h
// from 2026-12-06 00:00 UTC until 2026-12-31".
std::string TransferScheduleText(const TransferJob& job);

}  // namespace weir
