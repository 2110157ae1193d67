#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/status.h"
#include "store/sql/connection.h"

struct sqlite3;

namespace weir::sqlite {

struct ConnectionOptions {
  // How long a writer waits for another connection's write transaction before failing
  // with kUnavailable.
  int busy_timeout_ms = 5000;
};

// An open sqlite3 connection with a cache of prepared statements keyed by SQL text.
class Connection final : public sql::Connection {
 public:
  // Opens (creating when missing) the database at `path` (":memory:" for a private
  // in-memory database) and sets the busy timeout. kIo when the file cannot be opened.
  static Result<std::unique_ptr<Connection>> Open(const std::string& path,
                                                  const ConnectionOptions& options);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() override;

  Result<sql::Statement> Prepare(std::string_view sql) override;
  Status Exec(std::string_view sql) override;
  // BEGIN IMMEDIATE: the write lock is taken at the start, waiting up to the busy timeout.
  Status BeginWrite() override;
  int Changes() const override;
  Result<bool> HasTable(std::string_view table) override;
  const std::string& name() const override { return path_; }

  // Turns an SQLite result code into an Error (the mapping of sql::Connection), naming
  // the other weir process as the likely holder of a busy database.
  Error ErrorFor(int rc, std::string_view context) const;

 private:
  class Cursor;
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  Connection(sqlite3* db, std::string path, const ConnectionOptions& options);

  sqlite3* db_;
  std::string path_;
  ConnectionOptions options_;
  std::unordered_map<std::string, std::unique_ptr<Cursor>, StringHash, std::equal_to<>> cache_;
};

}  // namespace weir::sqlite
