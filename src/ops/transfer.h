#pragma once

#include <string>

#include "ops/native.h"

namespace weir {

// `transfer`: copies objects from one store to another (Google's Storage Transfer Service's
// options; transfer/spec.h), as a task. The arguments are the spec's fields. The per-object
// report is written beside the try's log (attempt-<n>.transfer.jsonl). XCom: the source and
// sink, dry_run, the Transfer Service's counters, failures (and the first few), and the
// report's path. The task fails when more objects failed than max_failures.
// Where the per-object report of a try of a `transfer` task is: beside its log, as
// attempt-<n>.transfer.jsonl.
std::string TransferReportPath(const std::string& logs_folder, const std::string& dag_id,
                               const std::string& run_id, const std::string& task_id,
                               int try_number);

class TransferOperator final : public NativeOperator {
 public:
  TransferOperator();
  const OperatorSchema& schema() const override { return schema_; }
  Result<Json> Run(const Json& args, const NativeContext& ctx) const override;

 private:
  OperatorSchema schema_;
};

}  // namespace weir
