#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "engine/task_graph.h"
#include "env/clock.h"
#include "model/dag.h"
#include "model/operator_schema.h"
#include "store/dag_store.h"

namespace weir {

// A DAG as the scheduler uses it: its parsed spec, the version it is stored as, and what
// the planner derives from it once per version.
struct LoadedDag {
  std::shared_ptr<const DagSpec> spec;
  int64_t version_id = 0;
  int version_number = 0;
  std::shared_ptr<const TaskGraph> graph;  // the planner's view of its tasks
  // Empty when the spec comes from the file as it is now. Otherwise the file (still there)
  // fails to load with this message, and `spec` is the DAG's last good version, read back
  // from the store: the DAG stays listed and scheduled with it until the file is fixed or
  // deleted.
  std::string import_error;
};

// The DAGs of a folder, kept in step with the metadata store: every load records each DAG
// (new ones paused when is_paused_upon_creation), a version per distinct file content,
// import errors per file (and clears them when the file is fixed or gone), and marks DAGs
// whose file is gone as inactive.
//
// A DAG whose file loaded before and now fails to load keeps its last good version: the
// latest version recorded in the store is parsed again, so the rule holds in a process that
// starts while the file is broken. Such a DAG stays active, carries the file's import error
// (LoadedDag::import_error) and goes on being scheduled with that version. A DAG that is
// inactive in the store (its file was gone) does not come back while its file is broken.
class DagRegistry {
 public:
  DagRegistry(DagStore& store, const Clock& clock, std::string dags_folder,
              std::vector<OperatorSchema> operators);

  // Parses the folder again and records the result. Errors are store failures only; a
  // broken DAG file is an import error, not an error of Reload().
  Status Reload();

  const std::map<std::string, LoadedDag>& dags() const { return dags_; }
  const LoadedDag* Find(const std::string& dag_id) const;
  const std::map<std::string, std::string>& import_errors() const { return errors_; }
  const std::string& dags_folder() const { return dags_folder_; }
  const std::vector<OperatorSchema>& operators() const { return operators_; }

 private:
  // Adds to `loaded` the DAGs of files in `errors` that loaded before, with their last good
  // version. Runs inside Reload()'s transaction.
  Status KeepLastGoodVersions(const std::map<std::string, std::string>& errors,
                              std::map<std::string, LoadedDag>& loaded);
  // The derived data of `spec`, recorded as version `v`.
  static LoadedDag Derive(std::shared_ptr<const DagSpec> spec, const DagVersion& v);

  DagStore& store_;
  const Clock& clock_;
  std::string dags_folder_;
  std::vector<OperatorSchema> operators_;
  std::map<std::string, LoadedDag> dags_;
  std::map<std::string, std::string> errors_;  // file -> message
};

}  // namespace weir
