#include "base/json.h"

namespace weir {

Result<Json> ParseJson(std::string_view text, std::string_view what) {
  try {
    return Json::parse(text);
  } catch (const Json::exception& e) {  // parse_error, or out_of_range for 1e400
    return Err(ErrorCode::kInvalidArgument, "{} is not valid JSON: {}", what, e.what());
  }
}

}  // namespace weir
