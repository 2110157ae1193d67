#include "store/sqlite/statement.h"

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

struct Connection::CachedStatement {
  sqlite3_stmt* stmt = nullptr;
  bool in_use = false;
  ~CachedStatement() { sqlite3_finalize(stmt); }
};

Statement::Statement(Connection* connection, sqlite3_stmt* stmt, bool* in_use)
    : connection_(connection), stmt_(stmt), in_use_(in_use) {
  if (in_use_ != nullptr) *in_use_ = true;
}

Statement::Statement(Statement&& other) noexcept
    : connection_(other.connection_),
      stmt_(std::exchange(other.stmt_, nullptr)),
      in_use_(std::exchange(other.in_use_, nullptr)),
      bind_error_(other.bind_error_),
      bind_error_index_(other.bind_error_index_) {}

Statement::~Statement() {
  if (stmt_ == nullptr) return;
  if (in_use_ == nullptr) {
    sqlite3_finalize(stmt_);
    return;
  }
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  *in_use_ = false;
}

void Statement::NoteBindError(int rc, int index) {
  if (rc != SQLITE_OK && bind_error_ == 0) {
    bind_error_ = rc;
    bind_error_index_ = index;
  }
}

Statement& Statement::Bind(int index, int64_t value) {
  NoteBindError(sqlite3_bind_int64(stmt_, index, value), index);
  return *this;
}

Statement& Statement::Bind(int index, std::string_view text) {
  NoteBindError(
      sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT),
      index);
  return *this;
}

Statement& Statement::BindNull(int index) {
  NoteBindError(sqlite3_bind_null(stmt_, index), index);
  return *this;
}

Result<bool> Statement::Step() {
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

Status Statement::Run() {
  while (TRY(Step())) {
  }
  Reset();
  return {};
}

void Statement::Reset() { sqlite3_reset(stmt_); }

bool Statement::IsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

int64_t Statement::Int64(int column) const { return sqlite3_column_int64(stmt_, column); }

int Statement::Int(int column) const { return sqlite3_column_int(stmt_, column); }

std::string Statement::Text(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(text), sqlite3_column_bytes(stmt_, column));
}

std::optional<int64_t> Statement::OptionalInt64(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Int64(column);
}

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

Result<Statement> Connection::Prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end() && !it->second->in_use) {
    return Statement(this, it->second->stmt, &it->second->in_use);
  }
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return std::unexpected(ErrorFor(rc, fmt::format("preparing '{}'", sql)));
  }
  if (it != cache_.end()) return Statement(this, stmt, nullptr);  // the cached one is busy
  auto cached = std::make_unique<CachedStatement>();
  cached->stmt = stmt;
  bool* in_use = &cached->in_use;
  cache_.emplace(std::string(sql), std::move(cached));
  return Statement(this, stmt, in_use);
}

Status Connection::Exec(std::string_view sql) {
  std::string text(sql);  // sqlite3_exec needs a terminated string
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return std::unexpected(ErrorFor(rc, text));
  return {};
}

int64_t Connection::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }

int Connection::Changes() const { return sqlite3_changes(db_); }

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
