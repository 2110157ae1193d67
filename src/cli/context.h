#pragma once

#include <memory>
#include <string>

#include "cli/config.h"
#include "cli/output.h"
#include "engine/attempts.h"
#include "engine/dag_registry.h"
#include "env/clock.h"
#include "exec/local_executor.h"
#include "store/metadata_store.h"

namespace weir {

// What most commands need: the configuration, the metadata store (migrated to the current
// schema), the DAGs folder loaded and recorded, and how to print.
struct CliContext {
  Config config;
  SystemClock clock;
  // Ends the running attempts of what a command clears or marks (they run in the scheduler's
  // process or on workers, not in this one): the executor's kind of killer.
  std::unique_ptr<AttemptKiller> killer_of_executor;
  AttemptKiller& killer() const { return *killer_of_executor; }
  std::unique_ptr<MetadataStore> store;
  std::unique_ptr<DagRegistry> registry;
  OutputFormat format = OutputFormat::kTable;
  // Hides the secret variables in what commands print (logs, errors, arguments, conf).
  SecretMasker masker;

  // The DAG or a kNotFound error listing the known ones (and the import error of its file
  // when the DAG is broken).
  // A DAG whose file fails to load now is found with its last good version.
  Result<const LoadedDag*> FindDag(const std::string& dag_id) const;
  // FindDag for `dags test` and `tasks test`, which test the file as it is: a DAG whose file
  // fails to load now is a kFailedPrecondition error with the file's import error.
  Result<const LoadedDag*> FindDagToTest(const std::string& dag_id) const;
  // The run of `dag_id` that a command's RUN argument names: a run id or a logical date
  // (engine/run_lookup.h LookUpRun, in the DAG's time zone). kNotFound for a missing DAG or
  // run, each with the closest ids; works for DAGs whose file is gone too.
  Result<DagRun> FindRun(const std::string& dag_id, const std::string& run) const;
  // The task instance of `task_id` in `run`; kNotFound names the task, with the closest ids.
  Result<TaskInstance> FindTaskInstance(const DagRun& run, const std::string& task_id) const;
  // Tells a running scheduler that the store changed.
  void WakeScheduler() const;
  // Where attempts keep their logs and scratch files, and what they are told about home.
  AttemptPaths attempt_paths() const {
    return AttemptPaths{config.dags_folder, config.logs_folder, config.work_folder,
                        config.lake,        config.home,        config.secret_key_file};
  }
};

// How a process that runs no attempts ends those of `config`'s executor.
std::unique_ptr<AttemptKiller> KillerOf(const Config& config);

// Opens the store (creating the home's folders and migrating the schema), and loads the
// DAGs folder when load_dags is set.
Result<std::unique_ptr<CliContext>> OpenContext(bool load_dags, OutputFormat format);

// Who runs this command, as a mark made from the CLI records it: the login name of the
// effective user, else "uid N".
std::string OsUserName();

// Prints a warning on stderr for the home and the database when users other than their
// owner can read them (a home made by an older weir, or by hand). For the long-running
// commands, at start.
void WarnIfOpenToOthers(const Config& config);

// Creates the home, DAGs and logs folders (owner-only). With `with_examples` (weir standalone) and
// a home that has no weir.yaml yet, also writes weir.yaml and copies the example DAGs in; returns
// true in that case.
Result<bool> InitHome(const Config& config, bool with_examples);

}  // namespace weir
