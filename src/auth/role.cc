#include "auth/role.h"

namespace weir {

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kViewer:
      return "viewer";
    case Role::kOp:
      return "op";
    case Role::kAdmin:
      return "admin";
  }
  return "viewer";
}

Result<Role> ParseRole(std::string_view name) {
  for (Role role : {Role::kViewer, Role::kOp, Role::kAdmin}) {
    if (name == RoleName(role)) return role;
  }
  return Err(ErrorCode::kInvalidArgument,
             "unknown role '{}': the roles are admin (everything), op (trigger, clear, pause, "
             "edit variables) and viewer (read only)",
             name);
}

// The enum is ordered from least to most allowed.
bool Allows(Role have, Role need) { return static_cast<int>(have) >= static_cast<int>(need); }

}  // namespace weir
