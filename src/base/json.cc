#include "base/json.h"

namespace weir {

namespace {

// Every JSON text weir reads from outside (API bodies, conf, XCom, --conf, stored rows) goes
// through ParseJson, so this limit holds everywhere. Nesting is bounded because a deep
// document costs stack in every recursive walk over it (dump, comparison, templates): 60,000
// levels crashed the whole process (scheduler, API and UI).
constexpr int kMaxJsonDepth = 64;

// One pass over the text, before nlohmann builds anything: the depth of [ and { outside
// strings. Malformed text is left to the parser, which says where it breaks.
Status CheckDepth(std::string_view text, std::string_view what, int max_depth) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) {
        return Err(ErrorCode::kInvalidArgument,
                   "{} nests arrays and objects deeper than {} levels (at byte {}): flatten it",
                   what, max_depth, i);
      }
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return {};
}

}  // namespace

Result<Json> ParseJson(std::string_view text, std::string_view what) {
  TRY(CheckDepth(text, what, kMaxJsonDepth));
  try {
    return Json::parse(text);
  } catch (const Json::parse_error& e) {
    return Err(ErrorCode::kInvalidArgument, "{} is not valid JSON: {}", what, e.what());
  } catch (const Json::exception& e) {
    // nlohmann reports a number it cannot hold ("1e400") as out_of_range, not parse_error.
    return Err(ErrorCode::kInvalidArgument, "{} has a value weir cannot read: {}", what, e.what());
  }
}

}  // namespace weir
