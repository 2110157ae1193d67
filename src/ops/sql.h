#pragma once

#include "ops/native.h"

namespace weir {

// `sql`: runs SQL against a connection: the DuckDB warehouse (default), another DuckDB file,
// or a SQLite database. `sql` is the text, or the name of a .sql file next to the DAG file,
// which is rendered as a template like any argument. Several statements run in order; the
// last one's rows are the XCom: {connection, columns, rows (at most max_rows), row_count,
// truncated}.
class SqlOperator final : public NativeOperator {
 public:
  SqlOperator();
  const OperatorSchema& schema() const override { return schema_; }
  Result<Json> Run(const Json& args, const NativeContext& ctx) const override;

 private:
  OperatorSchema schema_;
};

}  // namespace weir
