#pragma once

#include "ops/native.h"

namespace weir {

// `csv_to_parquet`: a CSV or CSV.gz file to a Parquet file, with DuckDB, in the attempt's
// child process. Types are inferred (DuckDB's sniffer, plus the US/Excel date forms it does
// not know, such as `1/1/2018, 2:21:05 AM` and `1/1/2019 0:46`) unless given. Input that is
// not CSV, ragged rows and truncated gzip fail with an error that says what and where; the
// output appears only when the conversion is complete. XCom: {path, rows, bytes, columns,
// compression, row_group_size, timestamp_formats}.
class CsvToParquetOperator final : public NativeOperator {
 public:
  CsvToParquetOperator();
  const OperatorSchema& schema() const override { return schema_; }
  Result<Json> Run(const Json& args, const NativeContext& ctx) const override;

 private:
  OperatorSchema schema_;
};

}  // namespace weir
