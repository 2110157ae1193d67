#pragma once

#include <string>
#include <vector>

#include "base/json.h"

namespace weir {

// What an operator accepts, so that DAG files are validated at load time (unknown argument,
// missing required argument, wrong type) without the model layer knowing operators' code.
// The ops layer publishes one schema per operator (ops/registry.h).
enum class ArgType { kString, kInteger, kNumber, kBoolean, kList, kMap, kAny };

struct ArgSpec {
  std::string name;
  ArgType type = ArgType::kString;
  bool required = false;
  Json default_value;  // null when there is no default
  std::string description;
};

struct OperatorSchema {
  std::string name;
  std::string description;
  std::vector<ArgSpec> args;
  // At least one of these argument names must be present (e.g. python: script or callable).
  std::vector<std::string> one_of;
  // Arguments whose value, when it is a file name ending in one of template_exts (".sql"),
  // is replaced by that file's content, read relative to the DAG file's folder and rendered
  // as a template (Airflow's template_ext).
  std::vector<std::string> template_file_args;
  std::vector<std::string> template_exts;
};

}  // namespace weir
