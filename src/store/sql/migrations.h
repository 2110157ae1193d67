#pragma once

#include <span>
#include <string_view>

#include "base/status.h"
#include "store/sql/connection.h"

namespace weir::sql {

// One schema change: its statements run in one transaction together with the row that
// records `version` in schema_version.
struct Migration {
  int version;
  std::string_view description;
  std::span<const std::string_view> statements;
};

// A database's schema: its migrations in order (each database writes its own DDL; the
// versions mean the same schema in both, so a version number names one shape of the tables).
struct Schema {
  std::span<const Migration> migrations;
  int latest() const { return migrations.back().version; }
};

// The highest applied version; 0 for a database never migrated.
Result<int> ReadSchemaVersion(Connection& db);

// kFailedPrecondition, telling the user to upgrade weir, when the database's schema is
// newer than `schema` knows.
Status CheckSchemaNotNewer(Connection& db, const Schema& schema);

// Applies every pending migration in order, each in its own write transaction (re-reading
// the version inside it, so two processes migrating at once apply each migration once).
// Must not be called inside an open transaction.
Status ApplyMigrations(Connection& db, const Schema& schema);

}  // namespace weir::sql
