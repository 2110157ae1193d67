#include "auth/users.h"

#include <cctype>

#include "auth/password.h"
#include "base/strings.h"

namespace weir {

namespace {

constexpr size_t kMaxNameChars = 64;

bool UsernameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ||
         c == '@';
}

// An audit log in another store would not share the change's transaction: the change could
// be kept without its record.
Status CheckAuditLog(const AuthStore& store, const std::optional<AuditRecord>& audit) {
  if (audit && !SameStore(store, audit->log)) {
    return Err(ErrorCode::kInternal,
               "the audit log is not in the store of the users, so the change and its audit "
               "event cannot be kept together");
  }
  return {};
}

}  // namespace

Status CheckUsername(std::string_view username) {
  if (username.empty()) return Err(ErrorCode::kInvalidArgument, "a user needs a username");
  if (username.size() > kMaxNameChars) {
    return Err(ErrorCode::kInvalidArgument, "username '{}' is longer than {} characters", username,
               kMaxNameChars);
  }
  if (!std::isalnum(static_cast<unsigned char>(username.front()))) {
    return Err(ErrorCode::kInvalidArgument, "username '{}' must start with a letter or a digit",
               username);
  }
  for (char c : username) {
    if (!UsernameChar(c)) {
      return Err(ErrorCode::kInvalidArgument,
                 "username '{}' may contain only letters, digits, '.', '_', '-' and '@'", username);
    }
  }
  return {};
}

Status CheckTokenName(std::string_view name) {
  if (name.empty()) return Err(ErrorCode::kInvalidArgument, "an API token needs a name (--name)");
  if (name.size() > kMaxNameChars) {
    return Err(ErrorCode::kInvalidArgument, "API token name '{}' is longer than {} characters",
               name, kMaxNameChars);
  }
  for (char c : name) {
    if (std::iscntrl(static_cast<unsigned char>(c))) {
      return Err(ErrorCode::kInvalidArgument,
                 "an API token name cannot contain control characters");
    }
  }
  return {};
}

Result<User> AddUser(AuthStore& store, const std::string& username, Role role,
                     std::string_view password, const std::optional<AuditRecord>& audit) {
  TRY(CheckAuditLog(store, audit));
  TRY(CheckUsername(username));
  User user;
  user.username = username;
  user.role = std::string(RoleName(role));
  user.password_hash = TRY(HashPassword(password));
  TRY(store.Transaction([&]() -> Status {
    user.id = TRY(store.CreateUser(user));
    if (audit) TRY(audit->log.AddAuditEvent(audit->event));
    return {};
  }));
  return store.GetUserById(user.id);
}

Status ResetPassword(AuthStore& store, const std::string& username, std::string_view password,
                     const std::optional<AuditRecord>& audit) {
  TRY(CheckAuditLog(store, audit));
  std::string hash = TRY(HashPassword(password));  // outside the transaction: it takes a while
  return store.Transaction([&]() -> Status {
    User user = TRY(store.GetUser(username));
    user.password_hash = hash;
    user.failed_logins = 0;
    user.locked_until.reset();
    user.updated_at = Time{};  // now
    TRY(store.UpdateUser(user));
    TRY(store.DeleteSessionsOfUser(user.id));
    if (audit) TRY(audit->log.AddAuditEvent(audit->event));
    return {};
  });
}

Result<ApiToken> FindTokenByName(AuthStore& store, const User& user, const std::string& name) {
  std::vector<std::string> names;
  for (ApiToken& token : TRY(store.ListApiTokens(user.id))) {
    if (token.name == name) return std::move(token);
    names.push_back(token.name);
  }
  if (names.empty()) {
    return Err(ErrorCode::kNotFound, "user '{}' has no API tokens", user.username);
  }
  return Err(ErrorCode::kNotFound, "user '{}' has no API token named '{}'; it has: {}{}",
             user.username, name, Join(names, ", "), DidYouMean(name, names));
}

Status RevokeToken(AuthStore& store, const std::string& username, const std::string& name) {
  User user = TRY(store.GetUser(username));
  ApiToken token = TRY(FindTokenByName(store, user, name));
  return store.DeleteApiToken(token.id);
}

}  // namespace weir
