#include "auth/authenticator.h"

#include <algorithm>

#include "auth/password.h"
#include "auth/secrets.h"
#include "auth/users.h"
#include "base/hash.h"

namespace weir {

namespace {

constexpr std::string_view kBadLogin = "invalid username or password";
constexpr std::string_view kNoSession = "not logged in, or the session has expired: log in again";

std::string SecondsText(Duration d) {
  auto s = std::chrono::ceil<std::chrono::seconds>(d).count();
  return s < 120 ? fmt::format("{}s", s) : fmt::format("{}m {}s", s / 60, s % 60);
}

}  // namespace

Authenticator::Authenticator(AuthStore& store, AuthOptions options, LoginThrottle* unknown_users)
    : store_(store), options_(options), unknown_users_(unknown_users) {}

Duration Authenticator::LockoutFor(int failed_logins) const {
  if (failed_logins < options_.max_failed_logins) return Duration::zero();
  Duration lock = options_.first_lockout;
  for (int i = options_.max_failed_logins; i < failed_logins && lock < options_.max_lockout; ++i) {
    lock *= 2;
  }
  return std::min(lock, options_.max_lockout);
}

namespace {

std::unexpected<Error> Locked(const std::string& username, Duration left) {
  return Err(ErrorCode::kFailedPrecondition,
             "too many failed logins for '{}': try again in {}, or ask an admin to run "
             "`weir users reset-password {}`",
             username, SecondsText(left), username);
}

}  // namespace

Result<std::optional<User>> Authenticator::CountAttempt(const std::string& username, Time now) {
  // One write transaction (BEGIN IMMEDIATE): attempts sent in parallel are counted one after
  // the other, each seeing the count and the lock of those before it.
  std::optional<User> counted;
  TRY(store_.Transaction([&]() -> Status {
    auto found = store_.GetUser(username);
    if (!found.has_value()) {
      if (found.error().code == ErrorCode::kNotFound) return {};
      return std::unexpected(found.error());
    }
    User user = *std::move(found);
    if (user.locked_until.has_value() && now < *user.locked_until) {
      return Locked(username, *user.locked_until - now);
    }
    ++user.failed_logins;
    Duration lock = LockoutFor(user.failed_logins);
    if (lock > Duration::zero()) user.locked_until = now + lock;
    TRY(store_.UpdateUser(user));
    counted = std::move(user);
    return {};
  }));
  if (!counted.has_value() && unknown_users_ != nullptr) {
    auto locked = unknown_users_->Attempt(username, now,
                                          [this](int failures) { return LockoutFor(failures); });
    if (locked.has_value()) return Locked(username, *locked - now);
  }
  return counted;
}

Result<LoginSession> Authenticator::Login(const std::string& username, std::string_view password,
                                          Time now) {
  std::optional<User> found = TRY(CountAttempt(username, now));
  if (!found.has_value()) {
    VerifyAgainstDummyHash(password);
    return MakeError(ErrorCode::kInvalidArgument, std::string(kBadLogin));
  }
  User user = *std::move(found);
  if (!VerifyPassword(user.password_hash, password)) {
    return MakeError(ErrorCode::kInvalidArgument, std::string(kBadLogin));
  }

  // Re-read: other attempts may have been counted while the password was checked.
  TRY(store_.Transaction([&]() -> Status {
    user = TRY(store_.GetUserById(user.id));
    user.failed_logins = 0;
    user.locked_until.reset();
    user.last_login_at = now;
    return store_.UpdateUser(user);
  }));
  TRY(store_.DeleteExpiredSessions(now));  // housekeeping, cheap by the expiry index

  LoginSession login;
  login.session_id = RandomUrlSafe();
  login.csrf_token = RandomUrlSafe();
  login.expires_at = std::min(now + options_.session_idle, now + options_.session_lifetime);
  TRY(store_.CreateSession(WebSession{.id_hash = Sha256Hex(login.session_id),
                                      .user_id = user.id,
                                      .csrf_token = login.csrf_token,
                                      .created_at = now,
                                      .expires_at = login.expires_at,
                                      .last_seen_at = now}));
  login.who = AuthenticatedUser{.user = user,
                                .role = TRY(ParseRole(user.role)),
                                .csrf_token = login.csrf_token,
                                .expires_at = login.expires_at};
  return login;
}

Result<AuthenticatedUser> Authenticator::Authenticated(int64_t user_id, std::string csrf_token,
                                                       std::optional<Time> expires_at) {
  auto user = store_.GetUserById(user_id);
  if (!user.has_value()) {
    if (user.error().code == ErrorCode::kNotFound) {
      return MakeError(ErrorCode::kInvalidArgument, "the user has been deleted");
    }
    return std::unexpected(user.error());
  }
  Role role = TRY(ParseRole(user->role));
  return AuthenticatedUser{.user = *std::move(user),
                           .role = role,
                           .csrf_token = std::move(csrf_token),
                           .expires_at = expires_at};
}

Result<AuthenticatedUser> Authenticator::SessionUser(std::string_view session_id, Time now) {
  if (session_id.empty()) return MakeError(ErrorCode::kInvalidArgument, std::string(kNoSession));
  std::string id_hash = Sha256Hex(session_id);
  auto session = TRY(store_.FindSessionByHash(id_hash));
  if (!session.has_value()) {
    return MakeError(ErrorCode::kInvalidArgument, std::string(kNoSession));
  }
  if (now >= session->expires_at) {
    TRY(store_.DeleteSession(id_hash));
    return MakeError(ErrorCode::kInvalidArgument, std::string(kNoSession));
  }
  Time expires_at = session->expires_at;
  if (now - session->last_seen_at >= options_.touch_interval) {
    expires_at =
        std::min(now + options_.session_idle, session->created_at + options_.session_lifetime);
    TRY(store_.TouchSession(id_hash, now, expires_at));
  }
  return Authenticated(session->user_id, std::move(session->csrf_token), expires_at);
}

Status Authenticator::Logout(std::string_view session_id) {
  if (session_id.empty()) return {};
  return store_.DeleteSession(Sha256Hex(session_id));
}

Result<AuthenticatedUser> Authenticator::TokenUser(std::string_view token, Time now) {
  if (!token.starts_with(kTokenPrefix)) {
    return Err(ErrorCode::kInvalidArgument,
               "not a weir API token (they start with '{}'); `weir users token` makes one",
               kTokenPrefix);
  }
  auto found = TRY(store_.FindApiTokenByHash(Sha256Hex(token)));
  if (!found.has_value()) {
    return MakeError(ErrorCode::kInvalidArgument, "unknown or revoked API token");
  }
  if (found->expires_at.has_value() && now >= *found->expires_at) {
    return Err(ErrorCode::kInvalidArgument,
               "API token '{}' expired at {}; make a new one with `weir users token`", found->name,
               FormatIso(*found->expires_at));
  }
  if (!found->last_used_at.has_value() || now - *found->last_used_at >= options_.touch_interval) {
    TRY(store_.TouchApiToken(found->id, now));
  }
  return Authenticated(found->user_id, "", found->expires_at);
}

Result<CreatedToken> Authenticator::CreateToken(const std::string& username,
                                                const std::string& name,
                                                std::optional<Time> expires_at, Time now) {
  TRY(CheckTokenName(name));
  if (expires_at.has_value() && *expires_at <= now) {
    return Err(ErrorCode::kInvalidArgument, "API token '{}' would expire at {}, which has passed",
               name, FormatIso(*expires_at));
  }
  User user = TRY(store_.GetUser(username));
  CreatedToken created;
  created.token = NewToken();
  // "weir_" and 8 random characters: enough to tell a user's tokens apart, useless to guess.
  created.row = ApiToken{.id = 0,
                         .user_id = user.id,
                         .name = name,
                         .token_hash = Sha256Hex(created.token),
                         .prefix = created.token.substr(0, kTokenPrefix.size() + 8),
                         .created_at = now,
                         .last_used_at = std::nullopt,
                         .expires_at = expires_at};
  auto id = store_.AddApiToken(created.row);
  if (!id.has_value()) {
    if (id.error().code == ErrorCode::kAlreadyExists) {
      return Err(ErrorCode::kAlreadyExists,
                 "user '{}' has an API token named '{}' already; revoke it first with `weir "
                 "users revoke-token {} {}` or choose another name",
                 username, name, username, name);
    }
    return std::unexpected(id.error());
  }
  created.row.id = *id;
  return created;
}

}  // namespace weir
