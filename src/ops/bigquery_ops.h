#pragma once

#include "ops/native.h"

namespace weir {

// The BigQuery side of two operators (Airflow's BigQueryCreateExternalTableOperator and
// BigQueryInsertJobOperator), reached through a google_cloud_platform connection
// (`gcp_conn_id`, default google_cloud_default).

// external_table with `warehouse: bigquery`: creates or replaces `table`
// (project.dataset.table or dataset.table) as an external table over gs:// files, creating
// the dataset in `location` when it is missing. Before touching the table it counts the
// files the source matches, so that a table over nothing is never made.
Result<Json> RunBigQueryExternalTable(const Json& args, const NativeContext& ctx);

// sql with `conn: bigquery`: one query job (GoogleSQL), waited on until DONE; its rows (at
// most max_rows) are the XCom.
Result<Json> RunBigQuerySql(const Json& args, const NativeContext& ctx);

// The arguments only BigQuery takes, for the operators' schemas, and a check that none of
// them is given to the DuckDB warehouse.
const std::vector<ArgSpec>& BigQueryExternalTableArgs();
const std::vector<ArgSpec>& BigQuerySqlArgs();
Status RefuseBigQueryArgs(const Json& args, std::string_view op, const std::vector<ArgSpec>& specs);

}  // namespace weir
