#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "duck/file_facts.h"
#include "store/metadata_store.h"

namespace weir {

// The lake catalog's rules (DESIGN.md section 6): which dataset an object belongs to, how
// two schemas differ, and what a drifting object may do under each schema_policy. The
// records themselves live in the metadata store.

enum class SchemaPolicy {
  kEvolve,  // a new schema becomes the dataset's next version
  kWarn,    // the same, and the object and the version carry a warning
  kFreeze,  // an object whose schema differs from the dataset's is refused before publishing
};
Result<SchemaPolicy> ParseSchemaPolicy(std::string_view text);
std::string_view SchemaPolicyName(SchemaPolicy policy);

// The dataset of a key: its folder without trailing hive partition segments (name=value).
// "raw/yellow/year=2019/month=01/x.parquet" -> "raw/yellow"; "x.csv" -> "".
std::string DatasetOf(std::string_view key);

// How `after` differs from `before`, by column name (order does not matter).
struct SchemaChange {
  std::vector<ColumnInfo> added;
  std::vector<ColumnInfo> removed;
  struct Retyped {
    std::string name, from, to;
  };
  std::vector<Retyped> retyped;

  bool empty() const { return added.empty() && removed.empty() && retyped.empty(); }
  // "17 -> 18 columns: added congestion_surcharge (DOUBLE); retyped fare DOUBLE -> VARCHAR"
  std::string Describe(size_t columns_before, size_t columns_after) const;
};
SchemaChange DiffColumns(const std::vector<ColumnInfo>& before,
                         const std::vector<ColumnInfo>& after);

// What writing an object with `columns` into `dataset` does, decided before publishing.
struct Admission {
  int latest_version = 0;  // the dataset's latest schema version; 0 when it has none
  bool drift = false;      // the columns differ from that version
  std::string change;      // SchemaChange::Describe when drift
  std::string warning;     // set under kWarn when drift
};

// Decides whether an object may join its dataset. Under kFreeze a drift is a
// kFailedPrecondition error naming the dataset, the version and the change; call it before
// publishing so that nothing is published.
Result<Admission> AdmitObject(MetadataStore& store, const std::string& dataset,
                              const std::vector<ColumnInfo>& columns, SchemaPolicy policy,
                              const std::string& uri);

// Records a published object, in one transaction: a new schema version of its dataset when
// its columns differ from the latest one (re-checked inside the transaction, since another
// task may have written meanwhile), then the object, replacing the previous record of its
// URI. Returns the recorded object (id and schema_version set).
Result<LakeObject> RecordObject(MetadataStore& store, LakeObject object, SchemaPolicy policy);

// The current catalog record made from `source_url` whose object is still in the lake
// unchanged (same size and etag as recorded), or nullopt.
Result<std::optional<LakeObject>> CurrentCopyOfSource(MetadataStore& store,
                                                      const std::string& source_url);

}  // namespace weir
