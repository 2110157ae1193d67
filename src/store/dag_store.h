#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "store/records.h"
#include "store/transactional_store.h"

namespace weir {

// What weir knows of the DAG files: one row per DAG (with its pause and active flags), the
// versions of each DAG's source, and the import error of each file that does not load. The
// DAG registry writes here; everything that lists DAGs reads. The rules of every role are in
// transactional_store.h.
class DagStore : public virtual TransactionalStore {
 public:
  // DAGs.
  virtual Status UpsertDag(const DagRow& dag) = 0;  // keeps is_paused of an existing row
  virtual Result<DagRow> GetDag(const std::string& dag_id) = 0;
  virtual Result<std::vector<DagRow>> ListDags() = 0;
  virtual Status SetPaused(const std::string& dag_id, bool paused) = 0;
  // Deletes the DAG's row and its runs (with their task instances, tries, XComs and notes);
  // its versions stay, as the lake catalog's records of what its runs wrote. The number of
  // runs deleted; kNotFound when there is no such DAG.
  virtual Result<int64_t> DeleteDag(const std::string& dag_id) = 0;
  // Marks DAGs whose file is gone as inactive (their runs and history are kept).
  virtual Status SetActive(const std::string& dag_id, bool active) = 0;

  // DAG versions: AddDagVersion returns the existing version when one with the same
  // source hash exists for that DAG, else a new one with the next version_number.
  virtual Result<DagVersion> AddDagVersion(const std::string& dag_id, const std::string& hash,
                                           const std::string& source,
                                           const std::string& fileloc) = 0;
  virtual Result<DagVersion> GetDagVersion(int64_t id) = 0;
  virtual Result<std::vector<DagVersion>> ListDagVersions(const std::string& dag_id) = 0;

  // Import errors: one per file, replaced on every parse of that file.
  virtual Status SetImportError(const std::string& fileloc, const std::string& message) = 0;
  virtual Status ClearImportError(const std::string& fileloc) = 0;  // no error when none
  virtual Result<std::vector<ImportError>> ListImportErrors() = 0;
};

}  // namespace weir
