// SqlStore: the lake catalog (objects with their history, and dataset schemas).
#include "store/sql/rows.h"
#include "store/sql/sql_store.h"

namespace weir {

using sql::Statement;

namespace {

// How many characters (UTF-8 code points) `text` has, as SQL's substr() counts them.
int64_t Characters(std::string_view text) {
  int64_t count = 0;
  for (char c : text) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return count;
}

const std::string& SelectObjects() {
  static const std::string kSql =
      fmt::format("SELECT id, {} FROM lake_object ", sql::kLakeObjectColumns);
  return kSql;
}

}  // namespace

Result<int64_t> SqlStore::RecordLakeObject(const LakeObject& obj) {
  static const std::string kInsert =
      fmt::format("INSERT INTO lake_object ({}) VALUES ({}) RETURNING id", sql::kLakeObjectColumns,
                  sql::Placeholders(sql::kLakeObjectColumns));
  LakeObject row = obj;
  if (row.created_at == Time{}) row.created_at = Now();
  row.replaced_at.reset();
  int64_t id = 0;
  TRY(Transaction([&]() -> Status {
    auto replace = TRY(db_->Prepare(
        "UPDATE lake_object SET replaced_at = ?2 WHERE uri = ?1 AND replaced_at IS NULL"));
    replace.Bind(1, row.uri);
    sql::BindTime(replace, 2, row.created_at);
    TRY(replace.Run());
    auto insert = TRY(db_->Prepare(kInsert));
    sql::BindLakeObject(insert, row);
    if (!TRY(insert.Step())) {
      return Err(ErrorCode::kInternal, "recording {} in the lake catalog returned no id", row.uri);
    }
    id = insert.Int64(0);
    return {};
  }));
  return id;
}

Result<std::vector<LakeObject>> SqlStore::ListLakeObjects(const std::string& prefix) {
  static const std::string kSql =
      // Case matters (as in the lake), which LIKE does not say the same way in both databases;
      // `uri >= ?1` lets the index start at the prefix.
      SelectObjects() +
      "WHERE replaced_at IS NULL AND uri >= ?1 AND substr(uri, 1, ?2) = ?1 ORDER BY uri";
  auto select = TRY(db_->Prepare(kSql));
  select.Bind(1, prefix).Bind(2, Characters(prefix));
  return sql::CollectRows(select, sql::ReadLakeObject);
}

Result<std::vector<LakeObject>> SqlStore::LakeObjectHistory(const std::string& uri) {
  static const std::string kSql = SelectObjects() + "WHERE uri = ?1 ORDER BY id DESC";
  auto select = TRY(db_->Prepare(kSql));
  select.Bind(1, uri);
  return sql::CollectRows(select, sql::ReadLakeObject);
}

Result<std::optional<LakeObject>> SqlStore::FindLakeObjectBySource(const std::string& source_url) {
  static const std::string kSql =
      SelectObjects() + "WHERE source_url = ?1 AND replaced_at IS NULL ORDER BY id DESC LIMIT 1";
  auto select = TRY(db_->Prepare(kSql));
  select.Bind(1, source_url);
  return sql::FirstRow(select, sql::ReadLakeObject);
}

Status SqlStore::AddDatasetSchema(const DatasetSchema& schema) {
  static const std::string kSql =
      fmt::format("INSERT INTO dataset_schema ({}) VALUES ({})", sql::kDatasetSchemaColumns,
                  sql::Placeholders(sql::kDatasetSchemaColumns));
  DatasetSchema row = schema;
  if (row.created_at == Time{}) row.created_at = Now();
  auto insert = TRY(db_->Prepare(kSql));
  sql::BindDatasetSchema(insert, row);
  if (Status inserted = insert.Run(); !inserted.has_value()) {
    if (inserted.error().code == ErrorCode::kAlreadyExists) {
      return Err(ErrorCode::kAlreadyExists, "dataset '{}' has a schema version {} already",
                 row.dataset, row.version);
    }
    return inserted;
  }
  return {};
}

Result<std::vector<DatasetSchema>> SqlStore::ListDatasetSchemas(const std::string& dataset) {
  static const std::string kSql =
      fmt::format("SELECT {} FROM dataset_schema WHERE dataset = ?1 ORDER BY version",
                  sql::kDatasetSchemaColumns);
  auto select = TRY(db_->Prepare(kSql));
  select.Bind(1, dataset);
  return sql::CollectRows(select, sql::ReadDatasetSchema);
}

Result<std::vector<DatasetSummary>> SqlStore::ListDatasets() {
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
