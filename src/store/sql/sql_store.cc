#include "store/sql/sql_store.h"

#include <chrono>
#include <utility>

#include "base/ids.h"
#include "store/sql/rows.h"

namespace weir {

using sql::Statement;

SqlStore::SqlStore(std::unique_ptr<sql::Connection> db, sql::Schema schema,
                   std::function<Time()> now)
    : db_(std::move(db)), schema_(schema), now_(std::move(now)) {}

SqlStore::~SqlStore() = default;

Time SqlStore::Now() const {
  if (now_) return now_();
  return std::chrono::time_point_cast<Micros>(std::chrono::system_clock::now());
}

Status SqlStore::Migrate() {
  if (transaction_depth_ > 0) {
    return Err(ErrorCode::kFailedPrecondition, "Migrate() cannot run inside a transaction");
  }
  TRY(sql::ApplyMigrations(*db_, schema_));
  auto pool =
      TRY(db_->Prepare("INSERT INTO pool (name, slots, description) VALUES ('default_pool', 128, "
                       "'Default pool') ON CONFLICT (name) DO NOTHING"));
  return pool.Run();
}

Result<int> SqlStore::SchemaVersion() { return sql::ReadSchemaVersion(*db_); }

int SqlStore::LatestSchemaVersion() const { return schema_.latest(); }

Status SqlStore::Transaction(const std::function<Status()>& fn) {
  // A nested call runs in a savepoint: its failure undoes only its own writes, and the
  // outer transaction decides what is committed.
  bool outer = transaction_depth_ == 0;
  TRY(outer ? db_->BeginWrite() : db_->Exec("SAVEPOINT weir_nested"));
  ++transaction_depth_;
  Status status;
  try {
    status = fn();
  } catch (...) {
    --transaction_depth_;
    write_seq_.reset();
    (void)db_->Exec(outer ? "ROLLBACK" : "ROLLBACK TO weir_nested; RELEASE weir_nested");
    throw;
  }
  --transaction_depth_;
  if (status.has_value()) {
    Status committed = db_->Exec(outer ? "COMMIT" : "RELEASE weir_nested");
    if (outer) write_seq_.reset();
    if (committed.has_value()) return {};
    status = std::unexpected(committed.error());
  }
  (void)db_->Exec(outer ? "ROLLBACK" : "ROLLBACK TO weir_nested; RELEASE weir_nested");
  // A savepoint rolled back may have undone the counter's advance: the next write advances
  // it again (two numbers for one transaction are fine; a number not recorded is not).
  write_seq_.reset();
  return status;
}

Result<int64_t> SqlStore::WriteSeq() {
  if (transaction_depth_ == 0) {
    return Err(ErrorCode::kInternal, "a write of runs or task instances outside a transaction");
  }
  if (!write_seq_) {
    auto bump =
        TRY(db_->Prepare("UPDATE change_counter SET seq = seq + 1 WHERE id = 1 RETURNING seq"));
    write_seq_ = TRY(sql::FirstRow(
        bump, [](const sql::Statement& st) -> Result<int64_t> { return st.Int64(0); }));
    if (!write_seq_) return Err(ErrorCode::kInternal, "the change_counter row is missing");
  }
  return *write_seq_;
}

// DAGs.

Status SqlStore::UpsertDag(const DagRow& dag) {
  // A re-parsed DAG keeps the pause state its users chose.
  static const std::string kSql =
      fmt::format("INSERT INTO dag ({}) VALUES ({}) ON CONFLICT (dag_id) DO UPDATE SET {}",
                  sql::kDagColumns, sql::Placeholders(sql::kDagColumns),
                  sql::ExcludedAssignments(sql::kDagColumns, 1, {"is_paused"}));
  auto upsert = TRY(db_->Prepare(kSql));
  sql::BindDag(upsert, dag);
  return upsert.Run();
}

Result<DagRow> SqlStore::GetDag(const std::string& dag_id) {
  static const std::string kSql =
      fmt::format("SELECT {} FROM dag WHERE dag_id = ?1", sql::kDagColumns);
  auto select = TRY(db_->Prepare(kSql));
  select.Bind(1, dag_id);
  auto dag = TRY(sql::FirstRow(select, sql::ReadDag));
  if (!dag.has_value()) return Err(ErrorCode::kNotFound, "no DAG named '{}'", dag_id);
  return *std::move(dag);
}

Result<std::vector<DagRow>> SqlStore::ListDags() {
  static const std::string kSql =
      fmt::format("SELECT {} FROM dag ORDER BY dag_id", sql::kDagColumns);
  auto select = TRY(db_->Prepare(kSql));
  return sql::CollectRows(select, sql::ReadDag);
}

Status SqlStore::SetPaused(const std::string& dag_id, bool paused) {
  auto update = TRY(db_->Prepare("UPDATE dag SET is_paused = ?2 WHERE dag_id = ?1"));
  TRY(update.Bind(1, dag_id).Bind(2, int64_t{paused}).Run());
  if (db_->Changes() == 0) return Err(ErrorCode::kNotFound, "no DAG named '{}'", dag_id);
  return {};
}

Status SqlStore::SetActive(const std::string& dag_id, bool active) {
  auto update = TRY(db_->Prepare("UPDATE dag SET is_active = ?2 WHERE dag_id = ?1"));
  TRY(update.Bind(1, dag_id).Bind(2, int64_t{active}).Run());
  if (db_->Changes() == 0) return Err(ErrorCode::kNotFound, "no DAG named '{}'", dag_id);
  return {};
}

Result<int64_t> SqlStore::DeleteDag(const std::string& dag_id) {
  int64_t runs = 0;
  TRY(InTransaction([&]() -> Status {
    TRY(GetDag(dag_id));
    // Task instances, tries, XComs and notes go with their runs (ON DELETE CASCADE), as in
    // DeleteRun: a scheduler that holds the runs in memory sees the count of runs change.
    auto remove_runs = TRY(db_->Prepare("DELETE FROM dag_run WHERE dag_id = ?1"));
    TRY(remove_runs.Bind(1, dag_id).Run());
    runs = db_->Changes();
    auto remove = TRY(db_->Prepare("DELETE FROM dag WHERE dag_id = ?1"));
    return remove.Bind(1, dag_id).Run();
  }));
  return runs;
}

// DAG versions.

Result<DagVersion> SqlStore::AddDagVersion(const std::string& dag_id, const std::string& hash,
                                           const std::string& source, const std::string& fileloc) {
  static const std::string kSelect = fmt::format(
      "SELECT {} FROM dag_version WHERE dag_id = ?1 AND source_hash = ?2", sql::kDagVersionColumns);
  // The next number is computed inside the write transaction, so it cannot be taken twice.
  static const std::string kInsert = fmt::format(
      "INSERT INTO dag_version (dag_id, version_number, source_hash, source, fileloc, "
      "created_at) SELECT ?1, COALESCE(MAX(version_number), 0) + 1, ?2, ?3, ?4, ?5 "
      "FROM dag_version WHERE dag_id = ?1 RETURNING {}",
      sql::kDagVersionColumns);
  DagVersion version;
  TRY(Transaction([&]() -> Status {
    auto select = TRY(db_->Prepare(kSelect));
    select.Bind(1, dag_id).Bind(2, hash);
    if (auto existing = TRY(sql::FirstRow(select, sql::ReadDagVersion))) {
      version = *std::move(existing);
      return {};
    }
    auto insert = TRY(db_->Prepare(kInsert));
    insert.Bind(1, dag_id).Bind(2, hash).Bind(3, source).Bind(4, fileloc);
    sql::BindTime(insert, 5, Now());
    auto inserted = TRY(sql::FirstRow(insert, sql::ReadDagVersion));
    if (!inserted.has_value()) {
      return Err(ErrorCode::kInternal, "inserting a version of DAG '{}' returned no row", dag_id);
    }
    version = *std::move(inserted);
    return insert.Run();  // finish the statement so the transaction can commit
  }));
  return version;
}

Result<DagVersion> SqlStore::GetDagVersion(int64_t id) {
  static const std::string kSql =
      fmt::format("SELECT {} FROM dag_version WHERE id = ?1", sql::kDagVersionColumns);
  auto select = TRY(db_->Prepare(kSql));
  select.Bind(1, id);
  auto version = TRY(sql::FirstRow(select, sql::ReadDagVersion));
  if (!version.has_value()) return Err(ErrorCode::kNotFound, "no DAG version with id {}", id);
  return *std::move(version);
}

Result<std::vector<DagVersion>> SqlStore::ListDagVersions(const std::string& dag_id) {
  static const std::string kSql =
      fmt::format("SELECT {} FROM dag_version WHERE dag_id = ?1 ORDER BY version_number",
                  sql::kDagVersionColumns);
  auto select = TRY(db_->Prepare(kSql));
  select.Bind(1, dag_id);
  return sql::CollectRows(select, sql::ReadDagVersion);
}

// Import errors.

Status SqlStore::SetImportError(const std::string& fileloc, const std::string& message) {
  auto upsert =
      TRY(db_->Prepare("INSERT INTO import_error (fileloc, message, timestamp) VALUES (?1, ?2, ?3) "
                       "ON CONFLICT (fileloc) DO UPDATE SET message = excluded.message, "
                       "timestamp = excluded.timestamp"));
  upsert.Bind(1, fileloc).Bind(2, message);
  sql::BindTime(upsert, 3, Now());
  return upsert.Run();
}

Status SqlStore::ClearImportError(const std::string& fileloc) {
  // Called after every good parse, so a file without an error is not an error.
  auto remove = TRY(db_->Prepare("DELETE FROM import_error WHERE fileloc = ?1"));
  return remove.Bind(1, fileloc).Run();
}

Result<std::vector<ImportError>> SqlStore::ListImportErrors() {
  auto select =
      TRY(db_->Prepare("SELECT fileloc, message, timestamp FROM import_error ORDER BY fileloc"));
  return sql::CollectRows(select, [](const Statement& s) -> Result<ImportError> {
    return ImportError{
        .fileloc = s.Text(0), .message = s.Text(1), .timestamp = FromMicros(s.Int64(2))};
  });
}

// Variables.

namespace {

Result<Variable> ReadVariable(const Statement& s) {
  return Variable{
      .key = s.Text(0), .value = s.Text(1), .description = s.Text(2), .is_secret = s.Int(3) != 0};
}

Result<Pool> ReadPool(const Statement& s) {
  return Pool{.name = s.Text(0), .slots = s.Int(1), .description = s.Text(2)};
}

}  // namespace

Status SqlStore::SetVariable(const Variable& v) {
  TRY(CheckId(IdKind::kVariable, v.key));
  auto upsert = TRY(db_->Prepare(
      "INSERT INTO variable (key, value, description, is_secret) VALUES (?1, ?2, ?3, ?4) "
      "ON CONFLICT (key) DO UPDATE SET value = excluded.value, "
      "description = excluded.description, is_secret = excluded.is_secret"));
  return upsert.Bind(1, v.key)
      .Bind(2, v.value)
      .Bind(3, v.description)
      .Bind(4, int64_t{v.is_secret})
      .Run();
}

Result<Variable> SqlStore::GetVariable(const std::string& key) {
  auto select =
      TRY(db_->Prepare("SELECT key, value, description, is_secret FROM variable WHERE key = ?1"));
  select.Bind(1, key);
  auto variable = TRY(sql::FirstRow(select, ReadVariable));
  if (!variable.has_value()) return Err(ErrorCode::kNotFound, "no variable named '{}'", key);
  return *std::move(variable);
}

Result<std::vector<Variable>> SqlStore::ListVariables() {
  auto select =
      TRY(db_->Prepare("SELECT key, value, description, is_secret FROM variable ORDER BY key"));
  return sql::CollectRows(select, ReadVariable);
}

Status SqlStore::DeleteVariable(const std::string& key) {
  auto remove = TRY(db_->Prepare("DELETE FROM variable WHERE key = ?1"));
  TRY(remove.Bind(1, key).Run());
  if (db_->Changes() == 0) return Err(ErrorCode::kNotFound, "no variable named '{}'", key);
  return {};
}

// Pools.

Status SqlStore::SetPool(const Pool& p) {
  TRY(CheckId(IdKind::kPool, p.name));
  auto upsert =
      TRY(db_->Prepare("INSERT INTO pool (name, slots, description) VALUES (?1, ?2, ?3) "
                       "ON CONFLICT (name) DO UPDATE SET slots = excluded.slots, "
                       "description = excluded.description"));
  return upsert.Bind(1, p.name).Bind(2, int64_t{p.slots}).Bind(3, p.description).Run();
}

Result<Pool> SqlStore::GetPool(const std::string& name) {
  auto select = TRY(db_->Prepare("SELECT name, slots, description FROM pool WHERE name = ?1"));
  select.Bind(1, name);
  auto pool = TRY(sql::FirstRow(select, ReadPool));
  if (!pool.has_value()) return Err(ErrorCode::kNotFound, "no pool named '{}'", name);
  return *std::move(pool);
}

Result<std::vector<Pool>> SqlStore::ListPools() {
  auto select = TRY(db_->Prepare("SELECT name, slots, description FROM pool ORDER BY name"));
  return sql::CollectRows(select, ReadPool);
}

Status SqlStore::DeletePool(const std::string& name) {
  if (name == "default_pool") {
    return Err(ErrorCode::kFailedPrecondition,
               "default_pool cannot be deleted: tasks without a pool use it; change its slots "
               "instead");
  }
  auto remove = TRY(db_->Prepare("DELETE FROM pool WHERE name = ?1"));
  TRY(remove.Bind(1, name).Run());
  if (db_->Changes() == 0) return Err(ErrorCode::kNotFound, "no pool named '{}'", name);
  return {};
}

}  // namespace weir
