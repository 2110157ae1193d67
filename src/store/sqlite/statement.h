#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace weir::sqlite {

class Connection;

// One use of a prepared statement: bind parameters (1-based, as in SQL's ?1), step through
// the rows, read columns (0-based). Destroying it resets the statement and clears its
// bindings, so the connection's cache can hand the same prepared statement out again.
//
// Binding never fails on its own: a bind error (a bug: wrong index) is kept and returned by
// the next Step() or Run().
class Statement {
 public:
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  ~Statement();

  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, std::string_view text);  // copied by SQLite
  Statement& BindNull(int index);
  template <class T>
  Statement& Bind(int index, const std::optional<T>& value) {
    return value.has_value() ? Bind(index, *value) : BindNull(index);
  }

  // Advances to the next row: true when a row is available, false when done.
  // On failure the error says what the statement was for (see Connection::ErrorFor).
  Result<bool> Step();
  // Steps until done, ignoring rows: for INSERT, UPDATE, DELETE. Then resets the
  // statement (keeping its bindings), so it can be bound and run again, as in a loop.
  Status Run();
  // Makes the statement runnable again from the start; bindings are kept.
  void Reset();

  bool IsNull(int column) const;
  int64_t Int64(int column) const;
  int Int(int column) const;
  std::string Text(int column) const;
  std::optional<int64_t> OptionalInt64(int column) const;

 private:
  friend class Connection;
  Statement(Connection* connection, sqlite3_stmt* stmt, bool* in_use);

  void NoteBindError(int rc, int index);

  Connection* connection_;
  sqlite3_stmt* stmt_;
  // The cache entry's "handed out" flag; null for an uncached statement, which this
  // object then finalizes.
  bool* in_use_;
  int bind_error_ = 0;
  int bind_error_index_ = 0;
};

struct ConnectionOptions {
  // How long a writer waits for another connection's write transaction before failing
  // with kUnavailable.
  int busy_timeout_ms = 5000;
};

// An open sqlite3 connection with a cache of prepared statements keyed by SQL text.
// Used by one thread at a time; its Statements must not outlive it.
class Connection {
 public:
  // Opens (creating when missing) the database at `path` (":memory:" for a private
  // in-memory database) and sets the busy timeout. kIo when the file cannot be opened.
  static Result<std::unique_ptr<Connection>> Open(const std::string& path,
                                                  const ConnectionOptions& options);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // A statement for `sql`, prepared on first use and cached. When the cached statement is
  // still in use (a query issued while iterating the same query), a fresh one is prepared.
  Result<Statement> Prepare(std::string_view sql);
  // Runs one or more statements without caching them: for DDL, pragmas, BEGIN/COMMIT.
  Status Exec(std::string_view sql);

  int64_t LastInsertRowId() const;
  // Rows changed by the last INSERT, UPDATE or DELETE.
  int Changes() const;
  const std::string& path() const { return path_; }

  // Turns an SQLite result code into an Error: kUnavailable for a busy or locked database
  // (naming the other weir process as the likely holder), kAlreadyExists for a unique or
  // primary key violation, kNotFound for a foreign key violation (the referenced row is
  // missing), kIo for disk and file errors, kInternal otherwise. The message names
  // `context`, the database path, and sqlite3_errmsg.
  Error ErrorFor(int rc, std::string_view context) const;

 private:
  struct CachedStatement;
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  Connection(sqlite3* db, std::string path, const ConnectionOptions& options);

  sqlite3* db_;
  std::string path_;
  ConnectionOptions options_;
  std::unordered_map<std::string, std::unique_ptr<CachedStatement>, StringHash, std::equal_to<>>
      cache_;
};

}  // namespace weir::sqlite
