#include "store/postgres/pg_connection.h"

#include <libpq-fe.h>

#include <array>
#include <charconv>
#include <optional>
#include <utility>
#include <vector>

#include "base/url.h"

namespace weir::postgres {

namespace {

// The key of pg_advisory_xact_lock that weir's write transactions share ('weir' in ASCII).
constexpr int64_t kWriteLockKey = 0x77656972;

std::string_view Preview(std::string_view sql) {
  constexpr size_t kMax = 80;
  return sql.size() <= kMax ? sql : sql.substr(0, kMax);
}

// Trailing newlines of libpq's messages, which end in one.
std::string Trimmed(const char* text) {
  std::string out = text == nullptr ? "" : text;
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

ErrorCode CodeOf(std::string_view state) {
  if (state == "23505") return ErrorCode::kAlreadyExists;  // unique_violation
  if (state == "23503") return ErrorCode::kNotFound;       // foreign_key_violation
  if (state.starts_with("23")) return ErrorCode::kInvalidArgument;
  // Serialization failure, deadlock, lock timeout, statement timeout, the server shutting
  // down or not accepting connections yet, too many connections, the connection itself.
  if (state == "40001" || state == "40P01" || state == "55P03" || state == "57014" ||
      state.starts_with("57P") || state == "53300" || state.starts_with("08")) {
    return ErrorCode::kUnavailable;
  }
  if (state.starts_with("53") || state.starts_with("58")) return ErrorCode::kIo;
  return ErrorCode::kInternal;
}

}  // namespace

Result<std::string> NumberedParameters(std::string_view sql, int* count) {
  std::string out;
  out.reserve(sql.size());
  *count = 0;
  for (size_t i = 0; i < sql.size(); ++i) {
    char c = sql[i];
    if (c == '\'' || c == '"') {  // quoted text, with '' or "" as the quote itself
      size_t end = sql.find(c, i + 1);
      while (end != std::string_view::npos && end + 1 < sql.size() && sql[end + 1] == c) {
        end = sql.find(c, end + 2);
      }
      if (end == std::string_view::npos) end = sql.size() - 1;
      out.append(sql.substr(i, end - i + 1));
      i = end;
      continue;
    }
    if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {  // a comment to the line's end
      size_t end = sql.find('\n', i);
      if (end == std::string_view::npos) end = sql.size() - 1;
      out.append(sql.substr(i, end - i + 1));
      i = end;
      continue;
    }
    if (c != '?') {
      out.push_back(c);
      continue;
    }
    size_t digits = i + 1;
    while (digits < sql.size() && sql[digits] >= '0' && sql[digits] <= '9') ++digits;
    int number = 0;
    auto [ptr, ec] = std::from_chars(sql.data() + i + 1, sql.data() + digits, number);
    if (digits == i + 1 || ec != std::errc() || number < 1) {
      return Err(ErrorCode::kInternal, "'{}': a parameter without its number (write ?1, ?2)",
                 Preview(sql));
    }
    out.push_back('$');
    out.append(sql.substr(i + 1, digits - i - 1));
    *count = std::max(*count, number);
    i = digits - 1;
  }
  return out;
}

// A prepared statement and, while it runs, its result. A cached cursor is prepared on the
// server under its own name (again after a reconnect); one made while the cached one was busy
// runs unnamed and is freed on release.
class Connection::Cursor final : public sql::Cursor {
 public:
  Cursor(Connection* connection, std::string sql, int parameter_count, bool cached)
      : connection_(connection),
        sql_(std::move(sql)),
        parameters_(parameter_count),
        cached_(cached) {
    if (cached_) name_ = "weir_" + std::to_string(connection_->next_statement_id_++);
  }
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;
  ~Cursor() { PQclear(result_); }

  bool TakeIfFree() {
    if (in_use_) return false;
    in_use_ = true;
    return true;
  }

  // Prepares the statement in this session, when it is not yet.
  Status Prepare() {
    if (!cached_ || prepared_generation_ == connection_->generation_) return {};
    PGresult* result = PQprepare(connection_->conn_, name_.c_str(), sql_.c_str(), 0, nullptr);
    if (PQresultStatus(result) != PGRES_COMMAND_OK) {
      Error error = connection_->ErrorFor(result, fmt::format("preparing '{}'", Preview(sql_)));
      PQclear(result);
      return std::unexpected(std::move(error));
    }
    PQclear(result);
    prepared_generation_ = connection_->generation_;
    return {};
  }

  void Bind(int index, int64_t value) override {
    if (Valid(index)) parameters_[index - 1] = std::to_string(value);
  }
  void Bind(int index, std::string_view text) override {
    if (Valid(index)) parameters_[index - 1] = std::string(text);
  }
  void BindNull(int index) override {
    if (Valid(index)) parameters_[index - 1].reset();
  }

  Result<bool> Step() override {
    if (result_ == nullptr) TRY(Execute());
    return ++row_ < PQntuples(result_);
  }

  void Reset() override {
    PQclear(result_);
    result_ = nullptr;
    row_ = -1;
  }

  bool IsNull(int column) const override { return PQgetisnull(result_, row_, column) != 0; }
  int64_t Int64(int column) const override {
    const char* text = PQgetvalue(result_, row_, column);
    std::string_view value(text, PQgetlength(result_, row_, column));
    if (value == "t") return 1;  // boolean
    if (value == "f") return 0;
    int64_t number = 0;
    std::from_chars(value.data(), value.data() + value.size(), number);
    return number;
  }
  std::string Text(int column) const override {
    return std::string(PQgetvalue(result_, row_, column),
                       static_cast<size_t>(PQgetlength(result_, row_, column)));
  }

  void Release() override {
    if (!cached_) {
      delete this;
      return;
    }
    Reset();
    for (auto& p : parameters_) p.reset();
    bad_index_ = 0;
    in_use_ = false;
  }

 private:
  bool Valid(int index) {
    if (index >= 1 && index <= static_cast<int>(parameters_.size())) return true;
    if (bad_index_ == 0) bad_index_ = index;
    return false;
  }

  Status Execute() {
    if (bad_index_ != 0) {
      return Err(ErrorCode::kInternal, "binding parameter {} of '{}' failed: it has {}", bad_index_,
                 Preview(sql_), parameters_.size());
    }
    TRY(connection_->EnsureConnected());
    TRY(Prepare());
    std::vector<const char*> values(parameters_.size());
    for (size_t i = 0; i < parameters_.size(); ++i) {
      const std::optional<std::string>& value = parameters_[i];
      values[i] = value.has_value() ? value->c_str() : nullptr;
    }
    int count = static_cast<int>(values.size());
    PGresult* result = cached_ ? PQexecPrepared(connection_->conn_, name_.c_str(), count,
                                                values.data(), nullptr, nullptr, 0)
                               : PQexecParams(connection_->conn_, sql_.c_str(), count, nullptr,
                                              values.data(), nullptr, nullptr, 0);
    ExecStatusType status = PQresultStatus(result);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
      Error error = connection_->ErrorFor(result, Preview(sql_));
      PQclear(result);
      return std::unexpected(std::move(error));
    }
    int changed = 0;
    std::string_view tuples = PQcmdTuples(result);
    std::from_chars(tuples.data(), tuples.data() + tuples.size(), changed);
    connection_->changes_ = changed;
    result_ = result;
    row_ = -1;
    return {};
  }

  Connection* connection_;
  std::string sql_;  // with $1, $2
  std::string name_;
  std::vector<std::optional<std::string>> parameters_;
  bool cached_;
  bool in_use_ = false;
  int prepared_generation_ = -1;
  int bad_index_ = 0;
  PGresult* result_ = nullptr;
  int row_ = -1;
};

Connection::Connection(pg_conn* conn, std::string name, const ConnectionOptions& options)
    : conn_(conn), name_(std::move(name)), options_(options) {}

Connection::~Connection() {
  cache_.clear();
  PQfinish(conn_);
}

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& url,
                                                     const ConnectionOptions& options) {
  std::string timeout = std::to_string(options.connect_timeout_s);
  // The URL comes last so that what it says wins over these defaults.
  const std::array<const char*, 4> keywords = {"connect_timeout", "application_name", "dbname",
                                               nullptr};
  const std::array<const char*, 4> values = {timeout.c_str(), "weir", url.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keywords.data(), values.data(), /*expand_dbname=*/1);
  std::string name = UrlWithoutPassword(url);
  if (conn == nullptr) {
    return Err(ErrorCode::kUnavailable, "cannot connect to PostgreSQL at '{}': out of memory",
               name);
  }
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string reason = Trimmed(PQerrorMessage(conn));
    PQfinish(conn);
    return Err(ErrorCode::kUnavailable,
               "cannot connect to the metadata database '{}': {}; check that PostgreSQL runs "
               "there and that the user, password and database in the URL are right",
               name, reason);
  }
  auto connection = std::unique_ptr<Connection>(new Connection(conn, std::move(name), options));
  TRY(connection->ConfigureSession());
  return connection;
}

Status Connection::ConfigureSession() {
  PQsetNoticeProcessor(
      conn_, [](void*, const char*) {}, nullptr);
  return Exec(
      fmt::format("SET lock_timeout = {}; SET TIME ZONE 'UTC'; SET client_min_messages = warning",
                  options_.lock_timeout_ms));
}

Status Connection::EnsureConnected() {
  if (PQstatus(conn_) == CONNECTION_OK) return {};
  PQreset(conn_);
  if (PQstatus(conn_) != CONNECTION_OK) {
    return Err(ErrorCode::kUnavailable,
               "the metadata database '{}' is out of reach: {}; weir retries when it is back",
               name_, Trimmed(PQerrorMessage(conn_)));
  }
  ++generation_;
  transaction_failure_.clear();
  return ConfigureSession();
}

Result<sql::Statement> Connection::Prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end() && it->second->TakeIfFree()) return sql::Statement(it->second.get());
  int count = 0;
  std::string numbered = TRY(NumberedParameters(sql, &count));
  if (it != cache_.end()) {  // the cached one is busy: an unnamed one, freed on release
    return sql::Statement(new Cursor(this, std::move(numbered), count, /*cached=*/false));
  }
  auto cursor = std::make_unique<Cursor>(this, std::move(numbered), count, /*cached=*/true);
  // Prepared now, so that a statement PostgreSQL cannot type fails where it is written.
  TRY(EnsureConnected());
  TRY(cursor->Prepare());
  cursor->TakeIfFree();
  sql::Statement statement(cursor.get());
  cache_.emplace(std::string(sql), std::move(cursor));
  return statement;
}

Status Connection::Exec(std::string_view sql) {
  std::string text(sql);
  bool commit = text == "COMMIT";
  if (!commit && !text.starts_with("ROLLBACK")) TRY(EnsureConnected());
  PGresult* result = PQexec(conn_, text.c_str());
  ExecStatusType status = PQresultStatus(result);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    Error error = ErrorFor(result, Preview(text));
    PQclear(result);
    if (PQtransactionStatus(conn_) == PQTRANS_IDLE) transaction_failure_.clear();
    return std::unexpected(std::move(error));
  }
  // COMMIT of a transaction in which a statement failed rolls it back and still succeeds.
  bool rolled_back = commit && std::string_view(PQcmdStatus(result)) == "ROLLBACK";
  PQclear(result);
  // Out of the failed state (ended, or rolled back to a savepoint): the failure is settled.
  if (PQtransactionStatus(conn_) != PQTRANS_INERROR) {
    std::string failure = std::exchange(transaction_failure_, {});
    if (rolled_back) {
      return Err(ErrorCode::kInternal,
                 "the metadata database '{}' rolled the transaction back, since a statement in "
                 "it failed: {}",
                 name_, failure.empty() ? "(unknown)" : failure);
    }
  }
  return {};
}

Status Connection::BeginWrite() {
  Status begun = Exec(fmt::format("BEGIN; SELECT pg_advisory_xact_lock({})", kWriteLockKey));
  if (!begun.has_value() && PQtransactionStatus(conn_) != PQTRANS_IDLE) (void)Exec("ROLLBACK");
  return begun;
}

Result<bool> Connection::HasTable(std::string_view table) {
  auto exists = TRY(Prepare(
      "SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = ?1"));
  exists.Bind(1, table);
  return exists.Step();
}

Error Connection::ErrorFor(const pg_result* result, std::string_view context) {
  const char* state = result == nullptr ? nullptr : PQresultErrorField(result, PG_DIAG_SQLSTATE);
  std::string detail =
      Trimmed(result == nullptr ? PQerrorMessage(conn_) : PQresultErrorMessage(result));
  if (detail.empty()) detail = Trimmed(PQerrorMessage(conn_));
  ErrorCode code = state != nullptr                   ? CodeOf(state)
                   : PQstatus(conn_) != CONNECTION_OK ? ErrorCode::kUnavailable
                                                      : ErrorCode::kInternal;
  if (PQstatus(conn_) != CONNECTION_OK) code = ErrorCode::kUnavailable;
  std::string message = fmt::format("metadata database '{}': {}: {}", name_, context, detail);
  if (code == ErrorCode::kUnavailable && PQstatus(conn_) != CONNECTION_OK) {
    message += "; the connection was lost (weir reconnects on the next call)";
  } else if (code == ErrorCode::kUnavailable) {
    message += fmt::format("; another weir process held the lock (waited up to {} ms); retry",
                           options_.lock_timeout_ms);
  }
  if (PQtransactionStatus(conn_) == PQTRANS_INERROR && transaction_failure_.empty()) {
    transaction_failure_ = message;
  }
  return Error{code, std::move(message)};
}

}  // namespace weir::postgres
