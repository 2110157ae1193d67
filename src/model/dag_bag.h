#pragma once

// All DAG files of a DAGs folder, loaded and validated together.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "model/dag.h"
#include "model/operator_schema.h"

namespace weir {

// The outcome of loading a folder. A broken file is an entry in `errors`; it never stops the
// other files from loading. Paths are absolute and normalised.
struct DagBag {
  std::map<std::string, std::shared_ptr<const DagSpec>> dags;  // by dag_id
  std::map<std::string, std::string> errors;                   // by file path: message
  std::map<std::string, std::string> file_hashes;  // every file read -> hex sha256 of content
};

// Loads every `*.yaml` / `*.yml` file under `folder` (recursively, skipping files and folders
// whose names start with '.') with ParseDag. Files are read in sorted path order; when two
// files declare the same dag_id the first keeps it and the second is an error naming the
// first. A missing or unreadable folder is an error keyed by the folder's path.
// `file_hashes` covers broken files too, so a caller can tell when a file changed.
DagBag LoadDagFolder(const std::string& folder, const std::vector<OperatorSchema>& operators);

}  // namespace weir
