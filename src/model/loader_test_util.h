#pragma once

// Shared by the DAG loader tests: a small, fake operator registry.

#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "model/dag_loader.h"

namespace weir::testing {

inline ArgSpec Arg(std::string name, ArgType type, bool required = false) {
  ArgSpec a;
  a.name = std::move(name);
  a.type = type;
  a.required = required;
  return a;
}

inline OperatorSchema Operator(std::string name, std::vector<ArgSpec> args,
                               std::vector<std::string> one_of = {}) {
  OperatorSchema op;
  op.name = std::move(name);
  op.args = std::move(args);
  op.one_of = std::move(one_of);
  return op;
}

inline std::vector<OperatorSchema> FakeOperators() {
  return {
      Operator("bash", {Arg("command", ArgType::kString, true), Arg("env", ArgType::kMap),
                        Arg("cwd", ArgType::kString), Arg("timeout_seconds", ArgType::kInteger)}),
      Operator("python",
               {Arg("script", ArgType::kString), Arg("callable", ArgType::kString),
                Arg("env", ArgType::kMap), Arg("op_args", ArgType::kList),
                Arg("dry_run", ArgType::kBoolean)},
               {"script", "callable"}),
      Operator("http_download", {Arg("url", ArgType::kString, true)})};
}

inline Result<DagSpec> Parse(std::string_view yaml, const std::string& file = "dags/x.yaml") {
  return ParseDag(yaml, file, FakeOperators());
}

// The error message of a file that must fail to load.
inline std::string LoadError(std::string_view yaml, const std::string& file = "dags/x.yaml") {
  auto dag = Parse(yaml, file);
  EXPECT_FALSE(dag.has_value()) << "expected an error for:\n" << yaml;
  return dag.has_value() ? std::string() : dag.error().message;
}

}  // namespace weir::testing
