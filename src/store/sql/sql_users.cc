// SqlStore: users, their API tokens and their web sessions.
#include <string_view>

#include "store/sql/rows.h"
#include "store/sql/sql_store.h"

namespace weir {

using sql::Statement;

namespace {

// Without id (the first column a read expects): selects prepend it, inserts leave it out.
constexpr std::string_view kUserColumns =
    "username, role, password_hash, created_at, updated_at, last_login_at, failed_logins, "
    "locked_until";
constexpr std::string_view kApiTokenColumns =
    "user_id, name, token_hash, prefix, created_at, last_used_at, expires_at";
constexpr std::string_view kSessionColumns =
    "id_hash, user_id, csrf_token, created_at, expires_at, last_seen_at";

// The table's CHECK says the same; checking first gives a message instead of kInternal.
Status CheckRole(const std::string& role) {
  if (role == "admin" || role == "op" || role == "viewer") return {};
  return Err(ErrorCode::kInvalidArgument, "unknown role '{}': the roles are admin, op and viewer",
             role);
}

Result<User> ReadUser(const Statement& s) {
  return User{.id = s.Int64(0),
              .username = s.Text(1),
              .role = s.Text(2),
              .password_hash = s.Text(3),
              .created_at = FromMicros(s.Int64(4)),
              .updated_at = FromMicros(s.Int64(5)),
              .last_login_at = sql::ColumnOptionalTime(s, 6),
              .failed_logins = s.Int(7),
              .locked_until = sql::ColumnOptionalTime(s, 8)};
}

Result<ApiToken> ReadApiToken(const Statement& s) {
  return ApiToken{.id = s.Int64(0),
                  .user_id = s.Int64(1),
                  .name = s.Text(2),
                  .token_hash = s.Text(3),
                  .prefix = s.Text(4),
                  .created_at = FromMicros(s.Int64(5)),
                  .last_used_at = sql::ColumnOptionalTime(s, 6),
                  .expires_at = sql::ColumnOptionalTime(s, 7)};
}

Result<WebSession> ReadSession(const Statement& s) {
  return WebSession{.id_hash = s.Text(0),
                    .user_id = s.Int64(1),
                    .csrf_token = s.Text(2),
                    .created_at = FromMicros(s.Int64(3)),
                    .expires_at = FromMicros(s.Int64(4)),
                    .last_seen_at = FromMicros(s.Int64(5))};
}

const std::string& SelectUsers() {
  static const std::string kSql = fmt::format("SELECT id, {} FROM weir_user ", kUserColumns);
  return kSql;
}

const std::string& SelectTokens() {
  static const std::string kSql = fmt::format("SELECT id, {} FROM api_token ", kApiTokenColumns);
  return kSql;
}

}  // namespace

// Users.

Result<int64_t> SqlStore::CreateUser(const User& user) {
  static const std::string kSql = fmt::format("INSERT INTO weir_user ({}) VALUES ({}) RETURNING id",
                                              kUserColumns, sql::Placeholders(kUserColumns));
  TRY(CheckRole(user.role));
  if (user.username.empty()) return Err(ErrorCode::kInvalidArgument, "a user needs a username");
  Time now = Now();
  auto insert = TRY(db_->Prepare(kSql));
  insert.Bind(1, user.username).Bind(2, user.role).Bind(3, user.password_hash);
  sql::BindTime(insert, 4, user.created_at == Time{} ? now : user.created_at);
  sql::BindTime(insert, 5, user.updated_at == Time{} ? now : user.updated_at);
  sql::BindTime(insert, 6, user.last_login_at);
  insert.Bind(7, int64_t{user.failed_logins});
  sql::BindTime(insert, 8, user.locked_until);
  auto stepped = insert.Step();
  if (!stepped.has_value()) {
    if (stepped.error().code == ErrorCode::kAlreadyExists) {
      return Err(ErrorCode::kAlreadyExists,
                 "a user named '{}' exists already (usernames ignore case)", user.username);
    }
    return std::unexpected(stepped.error());
  }
  if (!*stepped) {
    return Err(ErrorCode::kInternal, "creating user '{}' returned no id", user.username);
  }
  return insert.Int64(0);
}

Result<User> SqlStore::GetUser(const std::string& username) {
  // Usernames are case-insensitive (migration 5 makes them unique that way).
  static const std::string kSql = SelectUsers() + "WHERE username = ?1 COLLATE NOCASE";
  auto select = TRY(db_->Prepare(kSql));
  select.Bind(1, username);
  auto user = TRY(sql::FirstRow(select, ReadUser));
  if (!user.has_value()) {
    return Err(ErrorCode::kNotFound, "no user named '{}'; `weir users list` shows the users",
               username);
  }
  return *std::move(user);
}

Result<User> SqlStore::GetUserById(int64_t id) {
  static const std::string kSql = SelectUsers() + "WHERE id = ?1";
  auto select = TRY(db_->Prepare(kSql));
  select.Bind(1, id);
  auto user = TRY(sql::FirstRow(select, ReadUser));
  if (!user.has_value()) return Err(ErrorCode::kNotFound, "no user with id {}", id);
  return *std::move(user);
}

Result<std::vector<User>> SqlStore::ListUsers() {
  static const std::string kSql = SelectUsers() + "ORDER BY username COLLATE NOCASE";
  auto select = TRY(db_->Prepare(kSql));
  return sql::CollectRows(select, ReadUser);
}

Status SqlStore::DeleteUser(const std::string& username) {
  // Tokens and sessions go by ON DELETE CASCADE.
  auto remove = TRY(db_->Prepare("DELETE FROM weir_user WHERE username = ?1 COLLATE NOCASE"));
  TRY(remove.Bind(1, username).Run());
  if (db_->Changes() == 0) return Err(ErrorCode::kNotFound, "no user named '{}'", username);
  return {};
}

Status SqlStore::UpdateUser(const User& user) {
  TRY(CheckRole(user.role));
  auto update =
      TRY(db_->Prepare("UPDATE weir_user SET role = ?2, password_hash = ?3, failed_logins = ?4, "
                       "locked_until = ?5, last_login_at = ?6, updated_at = ?7 WHERE id = ?1"));
  update.Bind(1, user.id).Bind(2, user.role).Bind(3, user.password_hash);
  update.Bind(4, int64_t{user.failed_logins});
  sql::BindTime(update, 5, user.locked_until);
  sql::BindTime(update, 6, user.last_login_at);
  sql::BindTime(update, 7, user.updated_at == Time{} ? Now() : user.updated_at);
  TRY(update.Run());
  if (db_->Changes() == 0) {
    return Err(ErrorCode::kNotFound, "no user with id {} ('{}')", user.id, user.username);
  }
  return {};
}

// API tokens.

Result<int64_t> SqlStore::AddApiToken(const ApiToken& token) {
  static const std::string kSql =
      fmt::format("INSERT INTO api_token ({}) VALUES ({}) RETURNING id", kApiTokenColumns,
                  sql::Placeholders(kApiTokenColumns));
  if (token.name.empty()) return Err(ErrorCode::kInvalidArgument, "an API token needs a name");
  auto insert = TRY(db_->Prepare(kSql));
  insert.Bind(1, token.user_id).Bind(2, token.name).Bind(3, token.token_hash).Bind(4, token.prefix);
  sql::BindTime(insert, 5, token.created_at == Time{} ? Now() : token.created_at);
  sql::BindTime(insert, 6, token.last_used_at);
  sql::BindTime(insert, 7, token.expires_at);
  auto stepped = insert.Step();
  if (!stepped.has_value()) {
    if (stepped.error().code == ErrorCode::kAlreadyExists) {
      return Err(ErrorCode::kAlreadyExists,
                 "the user has an API token named '{}' already; revoke it or choose another name",
                 token.name);
    }
    if (stepped.error().code == ErrorCode::kNotFound) {
      return Err(ErrorCode::kNotFound, "no user with id {} for API token '{}'", token.user_id,
                 token.name);
    }
    return std::unexpected(stepped.error());
  }
  if (!*stepped)
    return Err(ErrorCode::kInternal, "adding API token '{}' returned no id", token.name);
  return insert.Int64(0);
}

Result<std::optional<ApiToken>> SqlStore::FindApiTokenByHash(const std::string& token_hash) {
  static const std::string kSql = SelectTokens() + "WHERE token_hash = ?1";
  auto select = TRY(db_->Prepare(kSql));
  select.Bind(1, token_hash);
  return sql::FirstRow(select, ReadApiToken);
}

Result<std::vector<ApiToken>> SqlStore::ListApiTokens(int64_t user_id) {
  static const std::string kSql = SelectTokens() + "WHERE user_id = ?1 ORDER BY name";
  auto select = TRY(db_->Prepare(kSql));
  select.Bind(1, user_id);
  return sql::CollectRows(select, ReadApiToken);
}

Status SqlStore::DeleteApiToken(int64_t id) {
  auto remove = TRY(db_->Prepare("DELETE FROM api_token WHERE id = ?1"));
  TRY(remove.Bind(1, id).Run());
  if (db_->Changes() == 0) return Err(ErrorCode::kNotFound, "no API token with id {}", id);
  return {};
}

Status SqlStore::TouchApiToken(int64_t id, Time last_used_at) {
  auto touch = TRY(db_->Prepare("UPDATE api_token SET last_used_at = ?2 WHERE id = ?1"));
  touch.Bind(1, id);
  sql::BindTime(touch, 2, last_used_at);
  TRY(touch.Run());
  if (db_->Changes() == 0) return Err(ErrorCode::kNotFound, "no API token with id {}", id);
  return {};
}

// Web sessions.

Status SqlStore::CreateSession(const WebSession& session) {
  static const std::string kSql = fmt::format("INSERT INTO web_session ({}) VALUES ({})",
                                              kSessionColumns, sql::Placeholders(kSessionColumns));
  auto insert = TRY(db_->Prepare(kSql));
  insert.Bind(1, session.id_hash).Bind(2, session.user_id).Bind(3, session.csrf_token);
  sql::BindTime(insert, 4, session.created_at);
  sql::BindTime(insert, 5, session.expires_at);
  sql::BindTime(insert, 6, session.last_seen_at);
  if (Status inserted = insert.Run(); !inserted.has_value()) {
    if (inserted.error().code == ErrorCode::kNotFound) {
      return Err(ErrorCode::kNotFound, "no user with id {} to log in", session.user_id);
    }
    return inserted;
  }
  return {};
}

Result<std::optional<WebSession>> SqlStore::FindSessionByHash(const std::string& id_hash) {
  static const std::string kSql =
      fmt::format("SELECT {} FROM web_session WHERE id_hash = ?1", kSessionColumns);
  auto select = TRY(db_->Prepare(kSql));
  select.Bind(1, id_hash);
  return sql::FirstRow(select, ReadSession);
}

Status SqlStore::TouchSession(const std::string& id_hash, Time last_seen_at, Time expires_at) {
  auto touch = TRY(
      db_->Prepare("UPDATE web_session SET last_seen_at = ?2, expires_at = ?3 WHERE id_hash = ?1"));
  touch.Bind(1, id_hash);
  sql::BindTime(touch, 2, last_seen_at);
  sql::BindTime(touch, 3, expires_at);
  TRY(touch.Run());
  if (db_->Changes() == 0) return Err(ErrorCode::kNotFound, "the session does not exist");
  return {};
}

Status SqlStore::DeleteSession(const std::string& id_hash) {
  auto remove = TRY(db_->Prepare("DELETE FROM web_session WHERE id_hash = ?1"));
  return remove.Bind(1, id_hash).Run();
}

Result<int> SqlStore::DeleteSessionsOfUser(int64_t user_id) {
  auto remove = TRY(db_->Prepare("DELETE FROM web_session WHERE user_id = ?1"));
  TRY(remove.Bind(1, user_id).Run());
  return db_->Changes();
}

Result<int> SqlStore::DeleteExpiredSessions(Time now) {
  auto remove = TRY(db_->Prepare("DELETE FROM web_session WHERE expires_at <= ?1"));
  sql::BindTime(remove, 1, now);
  TRY(remove.Run());
  return db_->Changes();
}

}  // namespace weir
