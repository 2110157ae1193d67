#include "store/sqlite/sqlite_store.h"

#include <utility>

#include "store/sqlite/sqlite_connection.h"
#include "store/sqlite/sqlite_schema.h"

namespace weir {

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path,
                                                       SqliteStoreOptions options) {
  auto db = TRY(sqlite::Connection::Open(
      path, sqlite::ConnectionOptions{.busy_timeout_ms = options.busy_timeout_ms}));
  // WAL lets readers (the web server, the CLI) run beside the scheduler's writes; NORMAL
  // sync is durable across process crashes, which is what WAL needs.
  TRY(db->Exec("PRAGMA journal_mode = WAL"));
  TRY(db->Exec("PRAGMA synchronous = NORMAL"));
  TRY(db->Exec("PRAGMA foreign_keys = ON"));
  TRY(sql::CheckSchemaNotNewer(*db, sqlite::Schema()));
  return std::unique_ptr<SqliteStore>(
      new SqliteStore(std::move(db), sqlite::Schema(), std::move(options.now)));
}

}  // namespace weir
