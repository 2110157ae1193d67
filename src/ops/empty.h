#pragma once

#include "ops/operator.h"

namespace weir {

// `empty`: does nothing and succeeds; for joins and fan-in (Airflow's EmptyOperator). It
// runs no process; the executor logs and finishes it at once.
class EmptyOperator final : public Operator {
 public:
  EmptyOperator();
  const OperatorSchema& schema() const override { return schema_; }
  Result<AttemptSpec> Prepare(const Json& args, const AttemptContext& ctx) const override;
  TaskOutcome Interpret(const Json& args, const AttemptEvent& event) const override;

 private:
  OperatorSchema schema_;
};

}  // namespace weir
