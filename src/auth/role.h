#pragma once

#include <string_view>

#include "base/status.h"

namespace weir {

// What a user may do, each role including the ones below it (docs/security.md):
//   viewer  reads everything but secrets: DAGs, runs, task instances, logs, the lake
//   op      also triggers runs, clears and marks tasks, pauses DAGs, edits variables and pools
//   admin   also manages users and API tokens
// The API enforces roles with Allows(); the UI only hides what a role cannot do.
enum class Role { kViewer, kOp, kAdmin };

// "viewer", "op", "admin": the names kept in the store and used on the command line.
std::string_view RoleName(Role role);
// kInvalidArgument naming the roles when `name` is none of them.
Result<Role> ParseRole(std::string_view name);

// True when a user with role `have` may do what needs role `need`.
bool Allows(Role have, Role need);

}  // namespace weir
