#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "base/status.h"

// The seam between the SQL store (sql_store.h) and a database: a connection that prepares
// statements, and the statements it hands out. sqlite/ and postgres/ implement it; the store's
// SQL is written once, for both (see "One SQL for both" in store/README.md).
namespace weir::sql {

// What a database's prepared statement implements; a Statement holds one. Parameters are
// 1-based (?1 in the SQL), columns 0-based.
class Cursor {
 public:
  virtual void Bind(int index, int64_t value) = 0;
  virtual void Bind(int index, std::string_view text) = 0;  // copied
  virtual void BindNull(int index) = 0;
  // Advances to the next row: true when a row is available, false when done. The first call
  // executes the statement. A bind error (a bug: wrong index) is returned here.
  virtual Result<bool> Step() = 0;
  // Makes the statement runnable again from the start; bindings are kept.
  virtual void Reset() = 0;
  virtual bool IsNull(int column) const = 0;
  virtual int64_t Int64(int column) const = 0;
  virtual std::string Text(int column) const = 0;
  // The Statement holding this cursor is done with it: reset it and clear its bindings so the
  // connection's cache can hand it out again (or free it, when it was not cached).
  virtual void Release() = 0;

 protected:
  ~Cursor() = default;
};

// One use of a prepared statement: bind parameters, step through the rows, read columns.
// Destroying it releases the statement to its connection. Binding never fails on its own.
class Statement {
 public:
  explicit Statement(Cursor* cursor) : cursor_(cursor) {}
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement(Statement&& other) noexcept : cursor_(std::exchange(other.cursor_, nullptr)) {}
  Statement& operator=(Statement&&) = delete;
  ~Statement() {
    if (cursor_ != nullptr) cursor_->Release();
  }

  Statement& Bind(int index, int64_t value) {
    cursor_->Bind(index, value);
    return *this;
  }
  Statement& Bind(int index, std::string_view text) {
    cursor_->Bind(index, text);
    return *this;
  }
  Statement& BindNull(int index) {
    cursor_->BindNull(index);
    return *this;
  }
  template <class T>
  Statement& Bind(int index, const std::optional<T>& value) {
    return value.has_value() ? Bind(index, *value) : BindNull(index);
  }

  Result<bool> Step() { return cursor_->Step(); }
  // Steps until done, ignoring rows: for INSERT, UPDATE, DELETE. Then resets the statement
  // (keeping its bindings), so it can be bound and run again, as in a loop.
  Status Run() {
    while (TRY(Step())) {
    }
    Reset();
    return {};
  }
  void Reset() { cursor_->Reset(); }

  bool IsNull(int column) const { return cursor_->IsNull(column); }
  int64_t Int64(int column) const { return cursor_->Int64(column); }
  int Int(int column) const { return static_cast<int>(cursor_->Int64(column)); }
  std::string Text(int column) const { return cursor_->Text(column); }
  std::optional<int64_t> OptionalInt64(int column) const {
    if (IsNull(column)) return std::nullopt;
    return Int64(column);
  }

 private:
  Cursor* cursor_;
};

// An open connection with a cache of prepared statements keyed by SQL text. Used by one thread
// at a time; its Statements must not outlive it.
//
// Errors of every call follow one mapping: kUnavailable for a database that is busy or out of
// reach (retry), kAlreadyExists for a unique or primary key violation, kNotFound for a foreign
// key violation (the referenced row is missing), kIo for disk and file errors, kInternal
// otherwise. Messages name the database (name()) and the statement.
class Connection {
 public:
  virtual ~Connection() = default;

  // A statement for `sql`, prepared on first use and cached. When the cached statement is
  // still in use (a query issued while iterating the same query), a fresh one is prepared.
  virtual Result<Statement> Prepare(std::string_view sql) = 0;
  // Runs one or more statements without parameters or caching: DDL, SAVEPOINT, COMMIT.
  virtual Status Exec(std::string_view sql) = 0;
  // Starts a write transaction that holds the database's write lock until it ends, so
  // writers are serialised and a transaction reads what every earlier one committed.
  virtual Status BeginWrite() = 0;
  // Rows changed by the last INSERT, UPDATE or DELETE.
  virtual int Changes() const = 0;
  // Whether the table exists (schema_version, before any migration ran).
  virtual Result<bool> HasTable(std::string_view table) = 0;
  // The database as messages name it: a file's path, or a URL without its password.
  virtual const std::string& name() const = 0;
};

}  // namespace weir::sql
