#include "store/sql/migrations.h"

#include <chrono>
#include <functional>

#include "base/time.h"

namespace weir::sql {

namespace {

constexpr std::string_view kCreateSchemaVersion =
    "CREATE TABLE IF NOT EXISTS schema_version ("
    "version INTEGER NOT NULL PRIMARY KEY, description TEXT NOT NULL, applied_at BIGINT NOT NULL)";

Status ApplyOne(Connection& db, const Migration& migration) {
  for (std::string_view sql : migration.statements) {
    TRY(db.Exec(sql));
  }
  auto now = std::chrono::time_point_cast<Micros>(std::chrono::system_clock::now());
  auto insert = TRY(db.Prepare(
      "INSERT INTO schema_version (version, description, applied_at) VALUES (?1, ?2, ?3)"));
  return insert.Bind(1, int64_t{migration.version})
      .Bind(2, migration.description)
      .Bind(3, ToMicros(now))
      .Run();
}

}  // namespace

Result<int> ReadSchemaVersion(Connection& db) {
  if (!TRY(db.HasTable("schema_version"))) return 0;
  auto max = TRY(db.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_version"));
  TRY(max.Step());
  return max.Int(0);
}

Status CheckSchemaNotNewer(Connection& db, const Schema& schema) {
  int version = TRY(ReadSchemaVersion(db));
  if (version > schema.latest()) {
    return Err(ErrorCode::kFailedPrecondition,
               "the metadata database '{}' has schema version {}, but this weir knows only "
               "versions up to {}: a newer weir has migrated it; upgrade weir to use this "
               "database",
               db.name(), version, schema.latest());
  }
  return {};
}

Status ApplyMigrations(Connection& db, const Schema& schema) {
  // Each step runs under the write lock; another process may have taken it since we looked.
  auto locked = [&](const std::function<Status()>& fn) -> Status {
    TRY(db.BeginWrite());
    if (Status done = fn(); !done.has_value()) {
      (void)db.Exec("ROLLBACK");
      return done;
    }
    return db.Exec("COMMIT");
  };
  TRY(locked([&] { return db.Exec(kCreateSchemaVersion); }));
  TRY(CheckSchemaNotNewer(db, schema));
  for (const Migration& migration : schema.migrations) {
    Status applied = locked([&]() -> Status {
      if (TRY(ReadSchemaVersion(db)) >= migration.version) return {};
      return ApplyOne(db, migration);
    });
    if (!applied.has_value()) {
      return std::unexpected(applied.error().Wrap(
          fmt::format("applying migration {} ({})", migration.version, migration.description)));
    }
  }
  return {};
}

}  // namespace weir::sql
