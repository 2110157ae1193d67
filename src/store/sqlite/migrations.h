#pragma once

#include <span>
#include <string_view>

#include "base/status.h"
#include "store/sqlite/statement.h"

namespace weir::sqlite {

// One schema change: its statements run in one transaction together with the row that
// records `version` in schema_version.
struct Migration {
  int version;
  std::string_view description;
  std::span<const std::string_view> statements;
};

// Every migration this binary knows, in order; versions are 1, 2, 3, ...
std::span<const Migration> Migrations();
int LatestSchemaVersion();

// The highest applied version; 0 for a database never migrated.
Result<int> ReadSchemaVersion(Connection& db);

// kFailedPrecondition, telling the user to upgrade weir, when the database's schema is
// newer than this binary knows.
Status CheckSchemaNotNewer(Connection& db);

// Applies every pending migration in order, each in its own BEGIN IMMEDIATE transaction
// (re-reading the version inside it, so two processes migrating at once apply each
// migration once). Must not be called inside an open transaction.
Status ApplyMigrations(Connection& db, std::span<const Migration> migrations);

}  // namespace weir::sqlite
