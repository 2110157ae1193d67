#include "store/sqlite/sqlite_connection.h"

#include <sqlite3.h>

#include <utility>

namespace weir::sqlite {

namespace {

// The start of a statement's SQL, to say in an error which statement failed.
std::string_view SqlPreview(sqlite3_stmt* stmt) {
  const char* sql = sqlite3_sql(stmt);
  std::string_view text = sql == nullptr ? std::string_view() : std::string_view(sql);
  constexpr size_t kMax = 80;
  return text.size() <= kMax ? text : text.substr(0, kMax);
}

}  // namespace

// A prepared statement; cached ones stay with the connection and are handed out again.
class Connection::Cursor final : public sql::Cursor {
 public:
  Cursor(Connection* connection, sqlite3_stmt* stmt, bool cached)
      : connection_(connection), stmt_(stmt), cached_(cached) {}
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;
  ~Cursor() { sqlite3_finalize(stmt_); }

  // Hands this cursor out; false when it is in use already.
  bool TakeIfFree() {
    if (in_use_) return false;
    in_use_ = true;
    return true;
  }

  void Bind(int index, int64_t value) override {
    NoteBindError(sqlite3_bind_int64(stmt_, index, value), index);
  }
  void Bind(int index, std::string_view text) override {
    NoteBindError(sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()),
                                    SQLITE_TRANSIENT),
                  index);
  }
  void BindNull(int index) override { NoteBindError(sqlite3_bind_null(stmt_, index), index); }

  Result<bool> Step() override {
    if (bind_error_ != 0) {
      return Err(ErrorCode::kInternal, "binding parameter {} of '{}' failed: {}", bind_error_index_,
                 SqlPreview(stmt_), sqlite3_errstr(bind_error_));
    }
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    Error error = connection_->ErrorFor(rc, SqlPreview(stmt_));
    // Leave the statement reusable and the connection out of its error state.
    sqlite3_reset(stmt_);
    return std::unexpected(std::move(error));
  }
  void Reset() override { sqlite3_reset(stmt_); }

  bool IsNull(int column) const override {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
  }
  int64_t Int64(int column) const override { return sqlite3_column_int64(stmt_, column); }
  std::string Text(int column) const override {
    const unsigned char* text = sqlite3_column_text(stmt_, column);
    if (text == nullptr) return {};
    return std::string(reinterpret_cast<const char*>(text), sqlite3_column_bytes(stmt_, column));
  }

  void Release() override {
    if (!cached_) {
      delete this;
      return;
    }
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    bind_error_ = 0;
    in_use_ = false;
  }

 private:
  void NoteBindError(int rc, int index) {
    if (rc != SQLITE_OK && bind_error_ == 0) {
      bind_error_ = rc;
      bind_error_index_ = index;
    }
  }

  Connection* connection_;
  sqlite3_stmt* stmt_;
  bool cached_;
  bool in_use_ = false;
  int bind_error_ = 0;
  int bind_error_index_ = 0;
};

Connection::Connection(sqlite3* db, std::string path, const ConnectionOptions& options)
    : db_(db), path_(std::move(path)), options_(options) {}

Connection::~Connection() {
  cache_.clear();  // statements are finalized before the connection closes
  sqlite3_close(db_);
}

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path,
                                                     const ConnectionOptions& options) {
  // SQLite counts the memory it allocates under a global mutex; weir never reads the count,
  // and the lock on every allocation cost 3% of a large run. Before SQLite initializes
  // (once); if something initialized it first, the call is refused and changes nothing.
  static const bool kQuietMemory = [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return true;
  }();
  (void)kQuietMemory;
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return Err(ErrorCode::kIo,
               "cannot open the metadata database '{}': {}; check that its directory exists "
               "and is writable",
               path, message);
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, options.busy_timeout_ms);
  return std::unique_ptr<Connection>(new Connection(db, path, options));
}

Result<sql::Statement> Connection::Prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end() && it->second->TakeIfFree()) return sql::Statement(it->second.get());
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return std::unexpected(ErrorFor(rc, fmt::format("preparing '{}'", sql)));
  }
  if (it != cache_.end()) {  // the cached one is busy: a cursor of its own, freed on release
    return sql::Statement(new Cursor(this, stmt, /*cached=*/false));
  }
  auto cursor = std::make_unique<Cursor>(this, stmt, /*cached=*/true);
  cursor->TakeIfFree();
  sql::Statement statement(cursor.get());
  cache_.emplace(std::string(sql), std::move(cursor));
  return statement;
}

Status Connection::Exec(std::string_view sql) {
  std::string text(sql);  // sqlite3_exec needs a terminated string
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return std::unexpected(ErrorFor(rc, text));
  return {};
}

Status Connection::BeginWrite() { return Exec("BEGIN IMMEDIATE"); }

int Connection::Changes() const { return sqlite3_changes(db_); }

Result<bool> Connection::HasTable(std::string_view table) {
  auto exists = TRY(Prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1"));
  exists.Bind(1, table);
  return exists.Step();
}

Error Connection::ErrorFor(int rc, std::string_view context) const {
  std::string detail = sqlite3_errmsg(db_);
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Error{ErrorCode::kUnavailable,
                   fmt::format("the metadata database '{}' is busy: another weir process holds "
                               "the database (waited {} ms); retry, or stop the other process "
                               "({}: {})",
                               path_, options_.busy_timeout_ms, context, detail)};
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE) {
        return Error{ErrorCode::kAlreadyExists, fmt::format("{}: {}", context, detail)};
      }
      if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) {
        return Error{ErrorCode::kNotFound,
                     fmt::format("{}: a referenced row does not exist ({})", context, detail)};
      }
      return Error{ErrorCode::kInvalidArgument, fmt::format("{}: {}", context, detail)};
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_PERM:
      return Error{ErrorCode::kIo,
                   fmt::format("metadata database '{}': {}: {}", path_, context, detail)};
    default:
      return Error{ErrorCode::kInternal,
                   fmt::format("metadata database '{}': {}: {}", path_, context, detail)};
  }
}

}  // namespace weir::sqlite
