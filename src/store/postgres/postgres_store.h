#pragma once

#include <functional>
#include <memory>
#include <string>

#include "store/sql/sql_store.h"

namespace weir {

struct PostgresStoreOptions {
  // How long a write waits for the write lock (another process's write transaction) or a
  // row lock before the call fails with kUnavailable.
  int lock_timeout_ms = 10000;
  int connect_timeout_s = 10;
  // The time recorded in dag_version.created_at and import_error.timestamp; the system
  // clock when empty.
  std::function<Time()> now;
};

// The metadata store on PostgreSQL (15 or later), for several schedulers, webservers and
// workers on several machines sharing one database. The same SQL as SQLite's store
// (sql_store.h); write transactions are serialised by one advisory lock, as SQLite's are by
// its file lock, and readers never wait for them.
class PostgresStore final : public SqlStore {
 public:
  // Connects to `url` (postgresql://user:password@host:port/database). Does not migrate
  // (`weir db migrate` does). Fails with kUnavailable when the server cannot be reached or
  // refuses the login, kFailedPrecondition when its schema is newer than this binary knows.
  static Result<std::unique_ptr<PostgresStore>> Open(const std::string& url,
                                                     PostgresStoreOptions options = {});

 private:
  using SqlStore::SqlStore;
};

}  // namespace weir
