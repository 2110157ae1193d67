#include "base/ids.h"

#include <algorithm>

#include "base/json.h"

namespace weir {

std::string_view IdKindName(IdKind kind) {
  switch (kind) {
    case IdKind::kDag:
      return "dag_id";
    case IdKind::kTask:
      return "task_id";
    case IdKind::kRun:
      return "run_id";
    case IdKind::kPool:
      return "pool";
    case IdKind::kVariable:
      return "variable key";
    case IdKind::kConnection:
      return "connection id";
    case IdKind::kQueue:
      return "queue";
  }
  return "id";
}

bool IsValidId(std::string_view id) {
  if (id.empty() || id.size() > 250 || id.front() == '-') return false;
  if (id.find_first_not_of('.') == std::string_view::npos) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-' || c == '~' || c == ':' || c == '+';
  });
}

Status CheckId(IdKind kind, std::string_view id) {
  if (IsValidId(id)) return {};
  constexpr size_t kShown = 100;
  std::string shown =
      Json(std::string(id.substr(0, kShown))).dump(-1, ' ', false, Json::error_handler_t::replace);
  if (id.size() > kShown) shown += "...";
  return Err(ErrorCode::kInvalidArgument,
             "bad {} {}: use 1 to 250 letters, digits, '_', '.', '-', '~', ':' or '+' (not only "
             "dots, not starting with '-')",
             IdKindName(kind), shown);
}

}  // namespace weir
