#pragma once

#include "ops/operator.h"

namespace weir {

// `bash`: runs `/bin/bash -c <command>`. Exit 0 succeeds with the last non-empty stdout line
// as its XCom (a JSON string; null without output), exit 99 skips the task (Airflow's
// skip_on_exit_code), anything else fails it.
class BashOperator final : public Operator {
 public:
  BashOperator();
  const OperatorSchema& schema() const override { return schema_; }
  Result<AttemptSpec> Prepare(const Json& args, const AttemptContext& ctx) const override;
  TaskOutcome Interpret(const Json& args, const AttemptEvent& event) const override;

 private:
  OperatorSchema schema_;
};

}  // namespace weir
