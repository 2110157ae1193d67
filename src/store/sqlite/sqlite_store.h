#pragma once

#include <functional>
#include <memory>
#include <string>

#include "store/sql/sql_store.h"

namespace weir {

struct SqliteStoreOptions {
  // How long a write waits for another connection's write transaction before the call
  // fails with kUnavailable.
  int busy_timeout_ms = 5000;
  // The time recorded in dag_version.created_at and import_error.timestamp; the system
  // clock when empty.
  std::function<Time()> now;
};

// The embedded metadata store: one SQLite file in WAL mode (readers never block the
// writer), synchronous=NORMAL, foreign keys on. Several processes may open the same file;
// writes are serialised by SQLite's lock and wait up to busy_timeout_ms.
class SqliteStore final : public SqlStore {
 public:
  // Opens or creates the database at `path` (":memory:" for a private in-memory one) and
  // sets its pragmas. Does not migrate: call Migrate() before using a new database (the CLI
  // does for every command, cli/context.h).
  // Fails with kIo when the file cannot be opened, kUnavailable when it stays locked,
  // kFailedPrecondition when its schema is newer than this binary knows (upgrade weir).
  static Result<std::unique_ptr<SqliteStore>> Open(const std::string& path,
                                                   SqliteStoreOptions options = {});

 private:
  using SqlStore::SqlStore;
};

}  // namespace weir
