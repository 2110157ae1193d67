#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "env/clock.h"
#include "model/dag.h"
#include "model/operator_schema.h"
#include "store/metadata_store.h"

namespace weir {

// A DAG as the scheduler uses it: its parsed spec, the version it is stored as, and what
// the planner derives from it once per version.
struct LoadedDag {
  std::shared_ptr<const DagSpec> spec;
  int64_t version_id = 0;
  int version_number = 0;
  std::shared_ptr<const std::map<std::string, int>> priorities;
  std::shared_ptr<const std::vector<std::string>> topo_order;
};

// The DAGs of a folder, kept in step with the metadata store: every load records each DAG
// (new ones paused when is_paused_upon_creation), a version per distinct file content,
// import errors per file (and clears them when the file is fixed or gone), and marks DAGs
// whose file is gone as inactive.
class DagRegistry {
 public:
  DagRegistry(MetadataStore& store, const Clock& clock, std::string dags_folder,
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
  MetadataStore& store_;
  const Clock& clock_;
  std::string dags_folder_;
  std::vector<OperatorSchema> operators_;
  std::map<std::string, LoadedDag> dags_;
  std::map<std::string, std::string> errors_;  // file -> message
};

}  // namespace weir
