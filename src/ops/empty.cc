#include "ops/empty.h"

#include "ops/args.h"

namespace weir {

EmptyOperator::EmptyOperator() {
  schema_.name = "empty";
  schema_.description = "Does nothing and succeeds. Use it to join branches or fan in.";
}

Result<AttemptSpec> EmptyOperator::Prepare(const Json& /*args*/, const AttemptContext& ctx) const {
  return BaseAttemptSpec(ctx, "empty");
}

TaskOutcome EmptyOperator::Interpret(const Json& /*args*/, const AttemptEvent& event) const {
  TaskOutcome outcome;
  if (event.error.empty()) {
    outcome.state = TaskState::kSuccess;
  } else {
    outcome.state = TaskState::kFailed;
    outcome.error = DescribeFailure("empty task", event);
  }
  return outcome;
}

}  // namespace weir
