#pragma once

#include <optional>
#include <string>

#include "base/status.h"
#include "store/auth_store.h"

namespace weir {

// The file in $WEIR_HOME that keeps the standalone admin's password (as Airflow's standalone
// does), readable by its owner only.
inline constexpr std::string_view kStandaloneAdminPasswordFile = "standalone_admin_password.txt";

// For `weir standalone` on a fresh home: when the store has no users at all, creates the
// user "admin" (role admin) with a random 20-character password, writes that password to
// <home>/standalone_admin_password.txt with mode 0600 and returns it, for the caller to print
// once. Returns nullopt, and changes nothing, when any user exists. A leftover password file
// from an earlier database is replaced. The user is created only if the file was written.
// Errors: kIo when the file cannot be written, the store's errors otherwise.
Result<std::optional<std::string>> EnsureStandaloneAdmin(AuthStore& store, const std::string& home);

}  // namespace weir
