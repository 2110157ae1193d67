#include "ops/args.h"

#include <fmt/format.h>

#include <charconv>

namespace weir {
namespace {

const Json* Find(const Json& args, std::string_view name) {
  if (!args.is_object()) return nullptr;
  auto it = args.find(name);
  if (it == args.end() || it->is_null()) return nullptr;
  return &*it;
}

std::unexpected<Error> WrongType(std::string_view op, std::string_view name,
                                 std::string_view expected, const Json& got) {
  return Err(ErrorCode::kInvalidArgument, "{} operator: argument '{}' must be {}, got {} {}", op,
             name, expected, got.type_name(), got.dump().substr(0, 80));
}

}  // namespace

Result<std::string> StringArg(const Json& args, std::string_view op, std::string_view name,
                              std::string fallback) {
  const Json* v = Find(args, name);
  if (v == nullptr) return fallback;
  if (!v->is_string()) return WrongType(op, name, "a string", *v);
  return v->get<std::string>();
}

Result<bool> BoolArg(const Json& args, std::string_view op, std::string_view name, bool fallback) {
  const Json* v = Find(args, name);
  if (v == nullptr) return fallback;
  if (!v->is_boolean()) return WrongType(op, name, "true or false", *v);
  return v->get<bool>();
}

Result<int64_t> IntArg(const Json& args, std::string_view op, std::string_view name,
                       int64_t fallback) {
  const Json* v = Find(args, name);
  if (v == nullptr) return fallback;
  if (v->is_number_integer()) return v->get<int64_t>();
  if (v->is_string()) {
    const std::string& text = v->get_ref<const std::string&>();
    int64_t n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec == std::errc() && end == text.data() + text.size() && !text.empty()) return n;
  }
  return WrongType(op, name, "a whole number", *v);
}

Result<double> NumberArg(const Json& args, std::string_view op, std::string_view name,
                         double fallback) {
  const Json* v = Find(args, name);
  if (v == nullptr) return fallback;
  if (v->is_number()) return v->get<double>();
  if (v->is_string()) {
    const std::string& text = v->get_ref<const std::string&>();
    double x = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), x);
    if (ec == std::errc() && end == text.data() + text.size() && !text.empty()) return x;
  }
  return WrongType(op, name, "a number", *v);
}

Result<std::map<std::string, std::string>> StringMapArg(const Json& args, std::string_view op,
                                                        std::string_view name) {
  std::map<std::string, std::string> out;
  const Json* v = Find(args, name);
  if (v == nullptr) return out;
  if (!v->is_object()) return WrongType(op, name, "a map of strings", *v);
  for (const auto& [key, value] : v->items()) {
    if (value.is_string()) {
      out[key] = value.get<std::string>();
    } else if (value.is_number() || value.is_boolean()) {
      out[key] = value.dump();
    } else {
      return Err(ErrorCode::kInvalidArgument,
                 "{} operator: argument '{}': value of '{}' must be a string, got {}", op, name,
                 key, value.type_name());
    }
  }
  return out;
}

Result<Json> TypedArg(const Json& args, std::string_view op, std::string_view name,
                      Json::value_t type, Json fallback) {
  const Json* v = Find(args, name);
  if (v == nullptr) return fallback;
  if (v->type() != type) {
    return WrongType(op, name, type == Json::value_t::array ? "a list" : "a map", *v);
  }
  return *v;
}

AttemptSpec BaseAttemptSpec(const AttemptContext& ctx, std::string_view op) {
  AttemptSpec spec;
  spec.key = {ctx.dag_id, ctx.run_id, ctx.task_id, ctx.try_number};
  spec.log_header = fmt::format("[weir] attempt {} (operator {})\n", spec.key.ToString(), op);
  return spec;
}

std::string HeaderLine(std::string_view label, std::string_view value) {
  return fmt::format("[weir] {}: {}\n", label, value);
}

std::string DescribeFailure(std::string_view what, const AttemptEvent& event) {
  if (event.pid == 0) return fmt::format("{} could not start: {}", what, event.error);
  if (event.timed_out || event.killed || event.term_signal != 0) {
    return fmt::format("{} {}", what, event.error);
  }
  if (event.exit_code != 0) return fmt::format("{} exited with status {}", what, event.exit_code);
  return fmt::format("{}: {}", what, event.error);
}

bool IsSkipExit(const AttemptEvent& event) {
  return event.exit_code == 99 && !event.timed_out && !event.killed;
}

}  // namespace weir
