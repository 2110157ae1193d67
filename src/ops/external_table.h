#pragma once

#include "ops/native.h"

namespace weir {

// `external_table`: creates or replaces a table in the DuckDB warehouse that reads lake
// files where they are: a view over read_parquet (or read_csv) of a prefix, with hive
// partitioning (year=2021/month=01 become columns) and union by name (months whose columns
// differ read as one table). The view is replaced in one transaction, after checking that
// it reads; a failure leaves the previous definition. XCom: {table, source, pattern, files,
// rows, columns, warehouse}.
class ExternalTableOperator final : public NativeOperator {
 public:
  ExternalTableOperator();
  const OperatorSchema& schema() const override { return schema_; }
  Result<Json> Run(const Json& args, const NativeContext& ctx) const override;

 private:
  OperatorSchema schema_;
};

}  // namespace weir
