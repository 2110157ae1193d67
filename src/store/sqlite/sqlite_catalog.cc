// SqliteStore: the lake catalog (objects with their history, and dataset schemas).
#include "store/sqlite/rows.h"
#include "store/sqlite/sqlite_store.h"

namespace weir {

using sqlite::Statement;

namespace {

// LIKE with '\' as the escape character matches `prefix` literally.
std::string LikePrefix(const std::string& prefix) {
  std::string out;
  for (char c : prefix) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out + "%";
}

const std::string& SelectObjects() {
  static const std::string kSql =
      fmt::format("SELECT id, {} FROM lake_object ", sqlite::kLakeObjectColumns);
  return kSql;
}

}  // namespace

Result<int64_t> SqliteStore::RecordLakeObject(const LakeObject& obj) {
  static const std::string kInsert =
      fmt::format("INSERT INTO lake_object ({}) VALUES ({}) RETURNING id",
                  sqlite::kLakeObjectColumns, sqlite::Placeholders(sqlite::kLakeObjectColumns));
  LakeObject row = obj;
  if (row.created_at == Time{}) row.created_at = Now();
  row.replaced_at.reset();
  int64_t id = 0;
  TRY(Transaction([&]() -> Status {
    auto replace = TRY(db_->Prepare(
        "UPDATE lake_object SET replaced_at = ?2 WHERE uri = ?1 AND replaced_at IS NULL"));
    replace.Bind(1, row.uri);
    sqlite::BindTime(replace, 2, row.created_at);
    TRY(replace.Run());
    auto insert = TRY(db_->Prepare(kInsert));
    sqlite::BindLakeObject(insert, row);
    if (!TRY(insert.Step())) {
      return Err(ErrorCode::kInternal, "recording {} in the lake catalog returned no id", row.uri);
    }
    id = insert.Int64(0);
    return {};
  }));
  return id;
}

Result<std::vector<LakeObject>> SqliteStore::ListLakeObjects(const std::string& prefix) {
  static const std::string kSql =
      SelectObjects() + "WHERE replaced_at IS NULL AND uri LIKE ?1 ESCAPE '\\' ORDER BY uri";
  auto select = TRY(db_->Prepare(kSql));
  select.Bind(1, LikePrefix(prefix));
  return sqlite::CollectRows(select, sqlite::ReadLakeObject);
}

Result<std::vector<LakeObject>> SqliteStore::LakeObjectHistory(const std::string& uri) {
  static const std::string kSql = SelectObjects() + "WHERE uri = ?1 ORDER BY id DESC";
  auto select = TRY(db_->Prepare(kSql));
  select.Bind(1, uri);
  return sqlite::CollectRows(select, sqlite::ReadLakeObject);
}

Result<std::optional<LakeObject>> SqliteStore::FindLakeObjectBySource(
    const std::string& source_url) {
  static const std::string kSql =
      SelectObjects() + "WHERE source_url = ?1 AND replaced_at IS NULL ORDER BY id DESC LIMIT 1";
  auto select = TRY(db_->Prepare(kSql));
  select.Bind(1, source_url);
  return sqlite::FirstRow(select, sqlite::ReadLakeObject);
}

Status SqliteStore::AddDatasetSchema(const DatasetSchema& schema) {
  static const std::string kSql =
      fmt::format("INSERT INTO dataset_schema ({}) VALUES ({})", sqlite::kDatasetSchemaColumns,
                  sqlite::Placeholders(sqlite::kDatasetSchemaColumns));
  DatasetSchema row = schema;
  if (row.created_at == Time{}) row.created_at = Now();
  auto insert = TRY(db_->Prepare(kSql));
  sqlite::BindDatasetSchema(insert, row);
  if (Status inserted = insert.Run(); !inserted.has_value()) {
    if (inserted.error().code == ErrorCode::kAlreadyExists) {
      return Err(ErrorCode::kAlreadyExists, "dataset '{}' has a schema version {} already",
                 row.dataset, row.version);
    }
    return inserted;
  }
  return {};
}

Result<std::vector<DatasetSchema>> SqliteStore::ListDatasetSchemas(const std::string& dataset) {
  static const std::string kSql =
      fmt::format("SELECT {} FROM dataset_schema WHERE dataset = ?1 ORDER BY version",
                  sqlite::kDatasetSchemaColumns);
  auto select = TRY(db_->Prepare(kSql));
  select.Bind(1, dataset);
  return sqlite::CollectRows(select, sqlite::ReadDatasetSchema);
}

Result<std::vector<DatasetSummary>> SqliteStore::ListDatasets() {
  // Datasets with a schema but no current object (all deleted) still show, with 0 objects.
  static const std::string_view kSql = R"sql(
    WITH names AS (
      SELECT dataset FROM lake_object UNION SELECT dataset FROM dataset_schema)
    SELECT n.dataset,
      (SELECT COUNT(*) FROM lake_object o WHERE o.dataset = n.dataset AND o.replaced_at IS NULL),
      (SELECT COALESCE(SUM(size), 0) FROM lake_object o
        WHERE o.dataset = n.dataset AND o.replaced_at IS NULL),
      (SELECT SUM(row_count) FROM lake_object o
        WHERE o.dataset = n.dataset AND o.replaced_at IS NULL),
      (SELECT COALESCE(MAX(version), 0) FROM dataset_schema s WHERE s.dataset = n.dataset),
      (SELECT COALESCE(MAX(created_at), 0) FROM lake_object o WHERE o.dataset = n.dataset),
      (SELECT COUNT(*) FROM lake_object o
        WHERE o.dataset = n.dataset AND o.replaced_at IS NULL AND o.warning != '')
    FROM names n ORDER BY n.dataset)sql";
  auto select = TRY(db_->Prepare(kSql));
  std::vector<DatasetSummary> out;
  while (TRY(select.Step())) {
    DatasetSummary d;
    d.dataset = select.Text(0);
    d.objects = select.Int64(1);
    d.size = select.Int64(2);
    d.rows = select.OptionalInt64(3);
    d.schema_version = select.Int(4);
    d.updated_at = FromMicros(select.Int64(5));
    d.warnings = select.Int(6);
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace weir
