#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "auth/login_throttle.h"
#include "auth/role.h"
#include "base/status.h"
#include "base/time.h"
#include "store/auth_store.h"

namespace weir {

struct AuthOptions {
  // After this many consecutive failed logins the account is locked for first_lockout; every
  // further failure after a lockout doubles it, up to max_lockout. A success resets the count.
  int max_failed_logins = 5;
  Duration first_lockout = std::chrono::seconds(30);
  Duration max_lockout = std::chrono::minutes(15);
  // A session ends after session_idle without a request, and session_lifetime after login
  // whatever happens.
  Duration session_idle = std::chrono::hours(12);
  Duration session_lifetime = std::chrono::days(7);
  // A session's last_seen_at and a token's last_used_at are written at most this often, so
  // that a busy client does not turn every read into a database write.
  Duration touch_interval = std::chrono::minutes(1);
};

// Who made a request, once their session or token has been checked.
struct AuthenticatedUser {
  User user;  // password_hash included: never send it anywhere
  Role role = Role::kViewer;
  std::string csrf_token;  // of the session; empty for an API token (no cookie, no CSRF)
  std::optional<Time> expires_at;
};

// A login: the session id goes into the cookie and is never stored (the store keeps its
// SHA-256); the CSRF token must come back in a header on state-changing requests.
struct LoginSession {
  std::string session_id;
  std::string csrf_token;
  Time expires_at{};
  AuthenticatedUser who;
};

// A new API token: `token` is shown once and cannot be recovered.
struct CreatedToken {
  std::string token;
  ApiToken row;
};

// Checks passwords, sessions and API tokens against the accounts in the store. Every method takes
// the current time so that tests can move it.
//
// Errors: kInvalidArgument means "not authenticated" (HTTP 401): a wrong username or
// password (one message for both, "invalid username or password"), an unknown, expired or
// logged-out session, an unknown, revoked or expired token. kFailedPrecondition means the
// account is locked after too many failed logins (HTTP 429); the message says for how long.
// Other codes are the store's (kUnavailable: the database is busy).
//
// Uses `store` from the calling thread only: one Authenticator per thread, like the store.
class Authenticator {
 public:
  // `unknown_users` counts failed logins to usernames without an account (none: they are
  // never locked, which tells a client that they do not exist).
  explicit Authenticator(AuthStore& store, AuthOptions options = {},
                         LoginThrottle* unknown_users = nullptr);

  // Checks the password and opens a session. Usernames ignore case. Every attempt counts as a
  // failure before its password is checked (a success then clears the count), so guesses sent
  // in parallel cannot pass the limit; while the account is locked the password is not even
  // checked. An unknown user costs as much time as a wrong password, and is locked the same
  // way when `unknown_users` is given.
  Result<LoginSession> Login(const std::string& username, std::string_view password, Time now);

  // The user of a session, which must not have expired. Moves the session's idle expiry.
  Result<AuthenticatedUser> SessionUser(std::string_view session_id, Time now);

  // Ends the session; no error when it has already ended.
  Status Logout(std::string_view session_id);

  // The user of an API token (sent as "Authorization: Bearer weir_..."), which must not have
  // expired. Records when it was used.
  Result<AuthenticatedUser> TokenUser(std::string_view token, Time now);

  // Makes a token for `username` named `name` (unique per user) that expires at
  // `expires_at` (never when nullopt; it must be after now). kNotFound for an unknown user,
  // kAlreadyExists for a taken name, kInvalidArgument for a bad name or expiry.
  Result<CreatedToken> CreateToken(const std::string& username, const std::string& name,
                                   std::optional<Time> expires_at, Time now);

  // How long an account is locked after its `failed_logins`-th consecutive failure (zero
  // below max_failed_logins).
  Duration LockoutFor(int failed_logins) const;

 private:
  // Counts an attempt at `username` as a failed login, locking the account when it has failed
  // too often; kFailedPrecondition when it was locked already. nullopt: no such user.
  Result<std::optional<User>> CountAttempt(const std::string& username, Time now);
  Result<AuthenticatedUser> Authenticated(int64_t user_id, std::string csrf_token,
                                          std::optional<Time> expires_at);

  AuthStore& store_;
  AuthOptions options_;
  LoginThrottle* unknown_users_;
};

}  // namespace weir
