#include "base/sql_parameters.h"

#include <algorithm>
#include <charconv>
#include <string>

namespace weir {

Result<const Json*> SqlParameterValue(const Json& parameters, std::string_view name) {
  bool positional = !name.empty() && std::all_of(name.begin(), name.end(),
                                                 [](char c) { return c >= '0' && c <= '9'; });
  std::string shown =
      positional ? fmt::format("number {} (? or ${})", name, name) : fmt::format("${}", name);
  if (parameters.is_array()) {
    if (!positional) {
      return Err(ErrorCode::kInvalidArgument,
                 "placeholder {} has a name: give parameters as a map ({}: value)", shown, name);
    }
    size_t index = 0;
    auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), index);
    if (ec != std::errc() || index < 1 || index > parameters.size()) {
      return Err(ErrorCode::kInvalidArgument,
                 "placeholder {} has no value: parameters holds {} value(s)", shown,
                 parameters.size());
    }
    return &parameters[index - 1];
  }
  if (parameters.is_object()) {
    if (positional) {
      return Err(ErrorCode::kInvalidArgument,
                 "placeholder {} is positional: give parameters as a list, or name it ($name)",
                 shown);
    }
    auto it = parameters.find(std::string(name));
    if (it == parameters.end()) {
      return Err(ErrorCode::kInvalidArgument,
                 "placeholder {} has no value: parameters has no key '{}'", shown, name);
    }
    return &*it;
  }
  return Err(ErrorCode::kInvalidArgument,
             "placeholder {} has no value: give values with parameters (a list for ?, a map for "
             "$name)",
             shown);
}

}  // namespace weir
