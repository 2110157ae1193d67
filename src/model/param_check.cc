// CheckParamValue (declared in dag.h): a value against its param's rules, the subset of
// JSON Schema that Airflow's Param uses.

#include <algorithm>
#include <regex>

#include "base/strings.h"
#include "model/dag.h"

namespace weir {

namespace {

// Patterns run in libstdc++'s polynomial mode (a Thompson NFA, no back-references): its
// default backtracking matcher recurses once per character, so a long value would overflow
// the stack of the process checking it (the scheduler, the API server), and some patterns
// take exponential time. The search is a full match of [\s\S]*(?:pattern)[\s\S]*, linear
// in the value's length (about 2.5 ms per KB here); values are still capped so one request
// cannot cost more than a few tens of milliseconds.
constexpr size_t kMaxPatternInput = 16 * 1024;
constexpr auto kPatternFlags = std::regex::ECMAScript | std::regex_constants::__polynomial;

bool MatchesType(const Json& v, std::string_view type) {
  if (type == "string") return v.is_string();
  if (type == "integer") return v.is_number_integer();
  if (type == "number") return v.is_number();
  if (type == "boolean") return v.is_boolean();
  if (type == "array") return v.is_array();
  if (type == "object") return v.is_object();
  return true;
}

// Characters, not bytes: count the bytes that start a UTF-8 sequence.
int64_t CharCount(const std::string& s) {
  return std::count_if(s.begin(), s.end(),
                       [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
}

// The rule a string breaks ("must be at most 8 characters long (max_length)"), or "".
std::string BrokenStringRule(const ParamSpec& p, const std::string& s) {
  int64_t chars = CharCount(s);
  if (p.min_length && chars < *p.min_length) {
    return fmt::format("must be at least {} characters long (min_length)", *p.min_length);
  }
  if (p.max_length && chars > *p.max_length) {
    return fmt::format("must be at most {} characters long (max_length)", *p.max_length);
  }
  if (p.pattern.empty()) return "";
  if (s.size() > kMaxPatternInput) {
    return fmt::format("must be at most {} bytes long to be checked against its pattern",
                       kMaxPatternInput);
  }
  try {
    std::regex search("[\\s\\S]*(?:" + p.pattern + ")[\\s\\S]*", kPatternFlags);
    if (std::regex_match(s, search)) return "";
  } catch (const std::regex_error& e) {
    // The loader compiled the pattern already; only a pathological match can get here.
    return fmt::format("cannot be checked against the pattern {}: {}", Json(p.pattern).dump(),
                       e.what());
  }
  return fmt::format("must match the pattern {}", Json(p.pattern).dump());
}

}  // namespace

Status CheckParamPattern(const std::string& pattern) {
  try {
    // Built only to find out whether they compile (std::regex throws when not): the pattern
    // alone, and as BrokenStringRule wraps it.
    static_cast<void>(std::regex(pattern, kPatternFlags));
    static_cast<void>(std::regex("[\\s\\S]*(?:" + pattern + ")[\\s\\S]*", kPatternFlags));
  } catch (const std::regex_error& e) {
    return Err(ErrorCode::kInvalidArgument, "{}{}", e.what(),
               pattern.find('\\') != std::string::npos
                   ? " (back-references such as \\1 are not supported)"
                   : "");
  }
  return {};
}

std::string BrokenParamRule(const ParamSpec& p, const Json& value) {
  if (value.is_null()) {
    return p.has_default && p.default_value.is_null() ? "" : "must be of type " + p.type;
  }
  if (!MatchesType(value, p.type)) return "must be of type " + p.type;
  if (!p.enum_values.empty() &&
      std::find(p.enum_values.begin(), p.enum_values.end(), value) == p.enum_values.end()) {
    std::vector<std::string> allowed;
    allowed.reserve(p.enum_values.size());
    for (const auto& e : p.enum_values) allowed.push_back(e.dump());
    return "must be one of " + Join(allowed, ", ");
  }
  if (value.is_number()) {
    double v = value.get<double>();
    if (p.minimum && v < *p.minimum) return fmt::format("must be >= {} (minimum)", *p.minimum);
    if (p.maximum && v > *p.maximum) return fmt::format("must be <= {} (maximum)", *p.maximum);
  }
  if (value.is_string()) return BrokenStringRule(p, value.get_ref<const std::string&>());
  return "";
}

Status CheckParamValue(const ParamSpec& p, const Json& value, std::string_view dag_id) {
  std::string rule = BrokenParamRule(p, value);
  if (rule.empty()) return {};
  // The value as JSON: quotes and escapes make control characters and newlines visible.
  return Err(ErrorCode::kInvalidArgument, "param '{}' of DAG '{}' {}, got {}", p.name, dag_id, rule,
             value.dump(-1, ' ', false, Json::error_handler_t::replace));
}

}  // namespace weir
