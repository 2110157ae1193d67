#include "web/api_internal.h"

#include <charconv>

#include "base/strings.h"

namespace weir {

namespace {

constexpr int kDefaultLimit = 100;
constexpr int kMaxLimit = 1000;

}  // namespace

int HttpStatus(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return 400;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kFailedPrecondition:
      return 409;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kTimeout:
      return 504;
    default:
      return 500;
  }
}

std::vector<std::string> Segments(std::string_view path) {
  std::vector<std::string> out;
  for (const std::string& s : Split(std::string(path), '/')) {
    if (!s.empty()) out.push_back(s);
  }
  return out;
}

// `text` as a whole number from min to max; a 400 naming `what` otherwise.
Result<int64_t> WholeNumber(std::string_view text, std::string_view what, int64_t min,
                            int64_t max) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < min || v > max) {
    return Err(ErrorCode::kInvalidArgument, "{} must be a whole number from {} to {}, got '{}'",
               what, min, max, text);
  }
  return v;
}

// A whole-number query parameter; `fallback` when absent. Bad values are a 400, never a
// silent default.
Result<int64_t> IntParam(const ApiRequest& req, const std::string& name, int64_t fallback,
                         int64_t min, int64_t max) {
  auto it = req.query.find(name);
  if (it == req.query.end() || it->second.empty()) return fallback;
  return WholeNumber(it->second, "'" + name + "'", min, max);
}

Result<std::pair<int, int>> Page(const ApiRequest& req) {
  int limit = static_cast<int>(TRY(IntParam(req, "limit", kDefaultLimit, 0, kMaxLimit)));
  int offset = static_cast<int>(TRY(IntParam(req, "offset", 0, 0, 1 << 30)));
  return std::make_pair(limit, offset);
}

std::string QueryParam(const ApiRequest& req, const std::string& name) {
  auto it = req.query.find(name);
  return it == req.query.end() ? std::string() : it->second;
}

Result<std::optional<bool>> BoolParam(const ApiRequest& req, const std::string& name) {
  std::string v = QueryParam(req, name);
  if (v.empty()) return std::optional<bool>();
  if (v == "true") return std::optional<bool>(true);
  if (v == "false") return std::optional<bool>(false);
  return Err(ErrorCode::kInvalidArgument, "'{}' must be true or false, got '{}'", name, v);
}

}  // namespace weir
