#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "base/time.h"
#include "transfer/spec.h"

namespace weir {

// A transfer job: a transfer spec with a name and a schedule, as the Storage Transfer
// Service's TransferJob. weir keeps it as two files in the DAGs folder, under transfers/:
// <name>.job.json (the job as given, the record `weir transfers` and the UI read and write)
// and <name>.yaml (the DAG generated from it: one `transfer` task), so that a job appears in
// the DAG list with its code, grid and logs, and is triggered, paused and backfilled as any
// DAG is.

// The Transfer Service's Schedule, in UTC. Times of day are seconds after midnight.
struct TransferSchedule {
  std::chrono::sys_days start_date{};                 // schedule_start_date
  std::optional<std::chrono::sys_days> end_date;      // schedule_end_date; == start_date: once
  std::optional<int> start_time_of_day;               // unset: at once, then at 00:00
  std::optional<int> end_time_of_day;                 // with end_date; unset: 23:59:59
  Duration repeat_interval = std::chrono::hours(24);  // at least 1 hour

  bool once() const { return end_date && *end_date == start_date; }
};

struct TransferJob {
  std::string name;  // a DAG id: the generated DAG's
  std::string description;
  Json spec = Json::object();                // the TransferSpec's fields, validated
  std::optional<TransferSchedule> schedule;  // none: runs only when run by hand
};

// Reads a job from JSON: {"name", "description", "transfer_spec": {...}, "schedule": {
// "schedule_start_date", "schedule_end_date", "start_time_of_day", "end_time_of_day",
// "repeat_interval"}} (snake or camel case; dates "2026-12-06" or {year, month, day}; times
// "02:30[:00]" or {hours, minutes, seconds}; intervals "6h" or "21600s"). The spec is checked
// by ParseTransferSpec and the schedule as the Transfer Service checks it. Errors are
// kInvalidArgument naming the field.
Result<TransferJob> ParseTransferJob(const Json& fields);

// The job as JSON, in the form ParseTransferJob reads.
Json TransferJobJson(const TransferJob& job);

// What the generated DAG's schedule keys are (weir's schedules run a data interval at its
// end, the service at a start time): `schedule` ("every <n>s", "@once" or "" for none),
// `start_date` and `end_date` ("" for none), catchup off.
struct JobDagSchedule {
  std::string schedule;
  std::string start_date;
  std::string end_date;
};
JobDagSchedule JobDagScheduleOf(const std::optional<TransferSchedule>& schedule);

// The generated DAG file's text (YAML; every value written as JSON, which YAML reads as is).
std::string TransferJobDagYaml(const TransferJob& job);

// The job files in `dags_folder`: transfers/<name>.job.json and transfers/<name>.yaml.
std::string TransferJobFolder(const std::string& dags_folder);
std::string TransferJobRecordPath(const std::string& dags_folder, const std::string& name);
std::string TransferJobDagPath(const std::string& dags_folder, const std::string& name);

// Writes a job's two files, each atomically (record first). `replace` false refuses a name
// already taken (kAlreadyExists).
Status SaveTransferJob(const std::string& dags_folder, const TransferJob& job, bool replace);
// Reads a job's record; kNotFound names the jobs there are.
Result<TransferJob> LoadTransferJob(const std::string& dags_folder, const std::string& name);
// Every job in the folder, by name; a record that does not read is an error naming it.
Result<std::vector<TransferJob>> ListTransferJobs(const std::string& dags_folder);
// Removes a job's files (its runs' history stays, as for a DAG file removed).
Status DeleteTransferJob(const std::string& dags_folder, const std::string& name);

}  // namespace weir
