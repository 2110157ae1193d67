#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/status.h"
#include "store/sql/connection.h"

struct pg_conn;
struct pg_result;

namespace weir::postgres {

struct ConnectionOptions {
  // How long a statement waits for a lock (the write lock of BeginWrite, a row another
  // transaction holds) before failing with kUnavailable; SQLite's busy timeout.
  int lock_timeout_ms = 10000;
  // How long connecting may take.
  int connect_timeout_s = 10;
};

// A libpq connection to PostgreSQL with a cache of prepared statements keyed by SQL text.
//
// The store's SQL numbers its parameters as SQLite does (?1, ?2); Prepare() turns them into
// PostgreSQL's $1, $2 (outside quoted text). Values travel as text and the server gives each
// parameter the type its place in the statement implies; a column of type boolean reads as
// 1 or 0 through Int64().
//
// A connection the server dropped (a restart, a network cut) fails the call under way with
// kUnavailable; the next call reconnects and prepares its statements again. Never more: a
// statement is not sent twice, since the server may have run it before the connection broke.
class Connection final : public sql::Connection {
 public:
  // Connects to `url` (postgresql://user:password@host:port/database?param=value, every
  // libpq connection parameter accepted). kUnavailable when the server cannot be reached or
  // refuses the login, with libpq's reason.
  static Result<std::unique_ptr<Connection>> Open(const std::string& url,
                                                  const ConnectionOptions& options);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() override;

  Result<sql::Statement> Prepare(std::string_view sql) override;
  Status Exec(std::string_view sql) override;
  // BEGIN, then the database-wide advisory lock weir's writers share, held to the end of the
  // transaction: writers run one at a time, as in SQLite, and each reads what the ones
  // before it committed (READ COMMITTED sees every commit made before each statement).
  Status BeginWrite() override;
  int Changes() const override { return changes_; }
  Result<bool> HasTable(std::string_view table) override;
  const std::string& name() const override { return name_; }

 private:
  class Cursor;
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  Connection(pg_conn* conn, std::string name, const ConnectionOptions& options);

  // Reconnects when the last call found the connection broken. Prepared statements die with
  // the old session: generation_ moves on, and each cursor prepares itself again.
  Status EnsureConnected();
  // The error of a failed `result` (or of the connection when it is null), mapped as
  // sql::Connection says; remembers the first failure inside a transaction.
  Error ErrorFor(const pg_result* result, std::string_view context);
  // Settings every session gets: lock timeout, quiet notices, UTC.
  Status ConfigureSession();

  pg_conn* conn_;
  std::string name_;  // the URL without its password
  ConnectionOptions options_;
  int changes_ = 0;
  int generation_ = 0;
  int next_statement_id_ = 0;
  // The first statement that failed in the open transaction: PostgreSQL then refuses every
  // statement until ROLLBACK, and turns a COMMIT into a ROLLBACK, which Exec reports with it.
  std::string transaction_failure_;
  std::unordered_map<std::string, std::unique_ptr<Cursor>, StringHash, std::equal_to<>> cache_;
};

// `sql` with SQLite's numbered parameters (?1, ?12) written as PostgreSQL's ($1, $12), outside
// quoted text ('...', "...") and comments; the highest parameter number in `*count`.
// kInternal for a bare '?' (the store always numbers its parameters).
Result<std::string> NumberedParameters(std::string_view sql, int* count);

}  // namespace weir::postgres
