#pragma once

#include "ops/native.h"

namespace weir {

// `transfer`: copies objects from one store to another (Google's Storage Transfer Service's
// options; transfer/spec.h), as a task. The arguments are the spec's fields. The per-object
// report is written beside the try's log (attempt-<n>.transfer.jsonl). XCom: the source and
// sink, dry_run, the Transfer Service's counters, failures (and the first few), and the
// report's path. The task fails when more objects failed than max_failures.
class TransferOperator final : public NativeOperator {
 public:
  TransferOperator();
  const OperatorSchema& schema() const override { return schema_; }
  Result<Json> Run(const Json& args, const NativeContext& ctx) const override;

 private:
  OperatorSchema schema_;
};

}  // namespace weir
