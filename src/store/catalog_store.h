#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "store/records.h"
#include "store/transactional_store.h"

namespace weir {

// The lake catalog: every object weir wrote to a lake, version by version, and the schema
// history of each dataset. lake/catalog.h holds the rules (schema_policy) on top of it. The
// rules of every role are in transactional_store.h.
class CatalogStore : public virtual TransactionalStore {
 public:
  // Records a new version of obj.uri (its id and created_at are set by the store when zero)
  // and marks the previous current version of that URI replaced; returns the new id.
  virtual Result<int64_t> RecordLakeObject(const LakeObject& obj) = 0;
  // Current objects whose URI starts with `prefix`, by URI.
  virtual Result<std::vector<LakeObject>> ListLakeObjects(const std::string& prefix) = 0;
  // Every version of `uri`, newest first; empty when weir never wrote it.
  virtual Result<std::vector<LakeObject>> LakeObjectHistory(const std::string& uri) = 0;
  // The newest current object made from `source_url`, or nullopt.
  virtual Result<std::optional<LakeObject>> FindLakeObjectBySource(
      const std::string& source_url) = 0;
  // Schema history: AddDatasetSchema fails with kAlreadyExists for a recorded version.
  virtual Status AddDatasetSchema(const DatasetSchema& schema) = 0;
  virtual Result<std::vector<DatasetSchema>> ListDatasetSchemas(const std::string& dataset) = 0;
  virtual Result<std::vector<DatasetSummary>> ListDatasets() = 0;
};

}  // namespace weir
