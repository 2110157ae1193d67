#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace weir {

using Json = nlohmann::json;

// Parses JSON text; the error names `what` (a file, a flag) and the position nlohmann reports.
Result<Json> ParseJson(std::string_view text, std::string_view what);

}  // namespace weir
