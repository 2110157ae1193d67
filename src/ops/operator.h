#pragma once

#include <string>

#include "base/json.h"
#include "exec/executor.h"
#include "model/operator_schema.h"
#include "model/state.h"

namespace weir {

// What an operator knows about the attempt it prepares.
struct AttemptContext {
  std::string dag_id;
  std::string run_id;
  std::string task_id;
  int try_number = 0;
  std::string dags_folder;  // python modules and relative scripts resolve here
  std::string work_dir;     // a scratch folder for this attempt (created by the caller)
  std::map<std::string, std::string> env;  // AIRFLOW_CTX_* style context variables
};

// How an attempt ended, in task terms.
struct TaskOutcome {
  TaskState state = TaskState::kFailed;  // success, failed or skipped
  Json xcom;                             // null: no XCom
  std::string error;                     // for failed
};

// An operator turns rendered arguments into a process and interprets how it ended.
// Operators are stateless; one instance serves every task that uses it.
class Operator {
 public:
  virtual ~Operator() = default;
  virtual const OperatorSchema& schema() const = 0;
  // Builds the attempt's process (argv empty: nothing to run). `args` are rendered.
  virtual Result<AttemptSpec> Prepare(const Json& args, const AttemptContext& ctx) const = 0;
  // Turns the executor's event into the task's outcome.
  virtual TaskOutcome Interpret(const Json& args, const AttemptEvent& event) const = 0;
};

}  // namespace weir
