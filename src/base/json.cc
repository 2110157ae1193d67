#include "base/json.h"

namespace weir {

Result<Json> ParseJson(std::string_view text, std::string_view what) {
  try {
    return Json::parse(text);
  } catch (const Json::parse_error& e) {
    return Err(ErrorCode::kInvalidArgument, "{} is not valid JSON: {}", what, e.what());
  }
}

}  // namespace weir
