#pragma once

#include <string>

#include "base/status.h"

// Only the C API's types: the functions are resolved at run time (LoadDuckApi), so weir links
// no DuckDB symbol and pays nothing for it until a DuckDB feature is used.
#include "duckdb.h"

namespace weir {

// The DuckDB C API functions weir uses, resolved from libduckdb.so with dlsym.
struct DuckApi {
  decltype(&duckdb_library_version) library_version;
  decltype(&duckdb_create_config) create_config;
  decltype(&duckdb_set_config) set_config;
  decltype(&duckdb_destroy_config) destroy_config;
  decltype(&duckdb_open_ext) open_ext;
  decltype(&duckdb_close) close;
  decltype(&duckdb_connect) connect;
  decltype(&duckdb_disconnect) disconnect;
  decltype(&duckdb_query) query;
  decltype(&duckdb_destroy_result) destroy_result;
  decltype(&duckdb_result_error) result_error;
  decltype(&duckdb_column_count) column_count;
  decltype(&duckdb_row_count) row_count;
  decltype(&duckdb_column_name) column_name;
  decltype(&duckdb_column_type) column_type;
  decltype(&duckdb_value_is_null) value_is_null;
  decltype(&duckdb_value_varchar) value_varchar;
  decltype(&duckdb_free) free;
  decltype(&duckdb_extract_statements) extract_statements;
  decltype(&duckdb_extract_statements_error) extract_statements_error;
  decltype(&duckdb_destroy_extracted) destroy_extracted;
  decltype(&duckdb_prepare_extracted_statement) prepare_extracted_statement;
  decltype(&duckdb_prepare_error) prepare_error;
  decltype(&duckdb_destroy_prepare) destroy_prepare;
  decltype(&duckdb_execute_prepared) execute_prepared;
  decltype(&duckdb_nparams) nparams;
  decltype(&duckdb_parameter_name) parameter_name;
  decltype(&duckdb_bind_varchar_length) bind_varchar_length;
  decltype(&duckdb_bind_int64) bind_int64;
  decltype(&duckdb_bind_double) bind_double;
  decltype(&duckdb_bind_boolean) bind_boolean;
  decltype(&duckdb_bind_null) bind_null;
  decltype(&duckdb_prepared_statement_type) prepared_statement_type;
  std::string path;  // the library that was loaded
};

// Loads libduckdb.so once per process (thread-safe) and resolves the API. The library is
// looked for at $WEIR_DUCKDB_LIB, then where scripts/setup put it when weir was built, then
// on the loader's search path. Errors say where it looked and how to fix it.
Result<const DuckApi*> LoadDuckApi();

}  // namespace weir
