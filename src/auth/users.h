#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/role.h"
#include "base/status.h"
#include "base/time.h"
#include "store/audit_store.h"
#include "store/auth_store.h"

namespace weir {

// Managing users and their API tokens, for `weir users` and the admin pages of the UI.
// Passwords are checked against the rules and hashed here; the store sees only hashes.

// A username is 1 to 64 characters of letters, digits, '.', '_', '-' and '@', starting with a
// letter or digit. kInvalidArgument saying what is wrong otherwise.
Status CheckUsername(std::string_view username);

// An API token's name: 1 to 64 characters, no control characters.
Status CheckTokenName(std::string_view name);

// An event for the audit log, recorded in the transaction of the change it describes. `log`
// is the audit role of the same store as the change (both roles of one MetadataStore, see
// SameStore()); a function given a log in another store changes nothing and fails with
// kInternal.
struct AuditRecord {
  AuditStore& log;
  AuditEvent event;
};

// Creates a user with a hashed password. kInvalidArgument for a bad username or a password
// that breaks the rules (password.h), kAlreadyExists when the username is taken. With `audit`,
// records that event in the same transaction (the password is hashed before it begins).
Result<User> AddUser(AuthStore& store, const std::string& username, Role role,
                     std::string_view password,
                     const std::optional<AuditRecord>& audit = std::nullopt);

// Sets a new password, clears failed logins and any lockout, and logs the user out of every
// browser session, in one transaction (with the `audit` event when given). API tokens stay
// valid. kNotFound for an unknown user.
Status ResetPassword(AuthStore& store, const std::string& username, std::string_view password,
                     const std::optional<AuditRecord>& audit = std::nullopt);

// The user's token named `name`; kNotFound (listing the user's tokens) when there is none.
Result<ApiToken> FindTokenByName(AuthStore& store, const User& user, const std::string& name);

// Deletes the user's token named `name`; it stops working at once. kNotFound when missing.
Status RevokeToken(AuthStore& store, const std::string& username, const std::string& name);

}  // namespace weir
