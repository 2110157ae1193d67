#pragma once

#include "ops/operator.h"

namespace weir {

// `python`: runs Python in a child process, in one of two modes.
//  - callable "pkg.module:function": imports the module (the DAGs folder first on sys.path),
//    calls function(*op_args, **op_kwargs), and writes its return value as JSON
//    (json.dumps(..., default=str)) to fd 3; that value is the XCom (None gives null).
//  - script "path.py" (relative to the DAGs folder): runs it as __main__ with
//    sys.argv = [path, *op_args]; the last non-empty stdout line is the XCom, as for bash.
// Exit 99 (including `raise SystemExit(99)`) skips the task; an exception fails it, with the
// traceback in the log.
class PythonOperator final : public Operator {
 public:
  PythonOperator();
  const OperatorSchema& schema() const override { return schema_; }
  Result<AttemptSpec> Prepare(const Json& args, const AttemptContext& ctx) const override;
  TaskOutcome Interpret(const Json& args, const AttemptEvent& event) const override;

 private:
  OperatorSchema schema_;
};

}  // namespace weir
