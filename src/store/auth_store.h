#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "store/records.h"
#include "store/transactional_store.h"

namespace weir {

// Accounts: users, their API tokens and their web sessions, for auth/. Secrets are kept only
// as hashes (auth/ makes and checks them). The rules of every role are in
// transactional_store.h.
class AuthStore : public virtual TransactionalStore {
 public:
  // Users. CreateUser returns the new id; kAlreadyExists for a taken username,
  // kInvalidArgument for a role other than admin, op or viewer. created_at and updated_at
  // are set by the store when zero.
  virtual Result<int64_t> CreateUser(const User& user) = 0;
  virtual Result<User> GetUser(const std::string& username) = 0;  // kNotFound when missing
  virtual Result<User> GetUserById(int64_t id) = 0;               // kNotFound when missing
  virtual Result<std::vector<User>> ListUsers() = 0;              // by username
  // Deletes the user with its API tokens and sessions; kNotFound when missing.
  virtual Status DeleteUser(const std::string& username) = 0;
  // Writes role, password_hash, failed_logins, locked_until and last_login_at of the user
  // with user.id (the username and created_at are kept) and sets updated_at to user.updated_at,
  // or to now when that is zero. kNotFound when missing.
  virtual Status UpdateUser(const User& user) = 0;

  // API tokens. AddApiToken returns the new id (created_at set when zero); kAlreadyExists
  // when the user has a token of that name (or the hash is taken), kNotFound when the user
  // does not exist.
  virtual Result<int64_t> AddApiToken(const ApiToken& token) = 0;
  // The token with that hash, expired or not; nullopt when none.
  virtual Result<std::optional<ApiToken>> FindApiTokenByHash(const std::string& token_hash) = 0;
  virtual Result<std::vector<ApiToken>> ListApiTokens(int64_t user_id) = 0;  // by name
  virtual Status DeleteApiToken(int64_t id) = 0;                    // kNotFound when missing
  virtual Status TouchApiToken(int64_t id, Time last_used_at) = 0;  // kNotFound when missing

  // Web sessions. CreateSession: kNotFound when the user does not exist.
  virtual Status CreateSession(const WebSession& session) = 0;
  // The session with that hash, expired or not; nullopt when none.
  virtual Result<std::optional<WebSession>> FindSessionByHash(const std::string& id_hash) = 0;
  // Records a request at last_seen_at and moves the expiry; kNotFound when missing.
  virtual Status TouchSession(const std::string& id_hash, Time last_seen_at, Time expires_at) = 0;
  virtual Status DeleteSession(const std::string& id_hash) = 0;  // no error when none
  // Logs the user out everywhere (after a password reset); returns how many were deleted.
  virtual Result<int> DeleteSessionsOfUser(int64_t user_id) = 0;
  // Deletes sessions with expires_at <= now; returns how many.
  virtual Result<int> DeleteExpiredSessions(Time now) = 0;
};

}  // namespace weir
