#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "duck/file_facts.h"
#include "lake/object_store.h"
#include "store/catalog_store.h"

namespace weir {

// The lake catalog's rules (docs/lake.md): which dataset an object belongs to, how
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

// How `after` differs from `before`, by column name (order does not matter). A column
// without values (ColumnInfo::empty) on either side is not retyped.
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

// A dataset's schema versions are its distinct schemas: the set of (column name, type),
// order aside. An object whose schema is already a version has that version, however many
// other schemas were written since (re-running a month does not make a new version); a
// schema never seen is the next version. A column the object has no value in (ColumnInfo::
// empty) takes the dataset's current type for it, so an all-empty column is not a retype;
// when the dataset has no type for it yet, it stays empty in the version it brings, and an
// empty column (in the object or in the version) fits any type when matching.
//
// The type two files' columns of one name have in a table over both, as DuckDB's
// union_by_name widens them: the same type; the wider integer; DOUBLE for integers or
// decimals with floats; a DECIMAL with integers; TIMESTAMP for DATE with TIMESTAMP; VARCHAR
// otherwise.
std::string WidenType(const std::string& a, const std::string& b);

// The schema a table over these objects' columns exposes (DuckDB's union_by_name): every
// column name, in the order the objects (sorted by URI, as a glob lists files) first have
// it, with its types widened. Empty columns count only where no object has values.
std::vector<ColumnInfo> UnionColumns(const std::vector<std::vector<ColumnInfo>>& objects);

// `columns` with each empty column given its type in `current`, when `current` has it.
std::vector<ColumnInfo> WithKnownTypes(std::vector<ColumnInfo> columns,
                                       const std::vector<ColumnInfo>& current);

// The newest version whose schema `columns` has (empty columns fit any type), or nullptr.
const DatasetSchema* MatchingVersion(const std::vector<DatasetSchema>& versions,
                                     const std::vector<ColumnInfo>& columns);

// A dataset's current schema: the union of its current objects' columns, and the versions
// those objects have.
struct CurrentSchema {
  std::vector<ColumnInfo> columns;
  std::vector<int> versions;  // ascending
};
// `except_uri`: leave out the current object of that URI (the one about to be replaced).
Result<CurrentSchema> CurrentSchemaOf(CatalogStore& store, const std::string& dataset,
                                      const std::string& except_uri = "");

// What writing an object with `columns` into `dataset` does, decided before publishing.
struct Admission {
  int latest_version = 0;  // the version the object will have, or the dataset's latest one
                           // when its schema is new; 0 when the dataset has none
  bool drift = false;      // the schema is not one of the dataset's versions
  std::string change;      // SchemaChange::Describe when drift
  std::string warning;     // set under kWarn when drift
};

// Decides whether an object may join its dataset. Under kFreeze a drift is a
// kFailedPrecondition error naming the dataset, the version and the change; call it before
// publishing so that nothing is published.
Result<Admission> AdmitObject(CatalogStore& store, const std::string& dataset,
                              const std::vector<ColumnInfo>& columns, SchemaPolicy policy,
                              const std::string& uri);

// Records a published object, in one transaction: a new schema version of its dataset when
// its schema is none of the dataset's versions (re-checked inside the transaction, since
// another task may have written meanwhile), then the object, replacing the previous record
// of its URI. Returns the recorded object (id and schema_version set).
Result<LakeObject> RecordObject(CatalogStore& store, LakeObject object, SchemaPolicy policy);

// The current catalog record made from `source_url` whose object is still in the lake
// unchanged (same size and etag as recorded), or nullopt. `access` reaches a cloud lake.
Result<std::optional<LakeObject>> CurrentCopyOfSource(CatalogStore& store,
                                                      const std::string& source_url,
                                                      const LakeAccess& access = {});

}  // namespace weir
