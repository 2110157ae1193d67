#include "duck/duck_api.h"

#include <dlfcn.h>

#include <cstdlib>
#include <mutex>
#include <vector>

namespace weir {

namespace {

template <class F>
bool Resolve(void* lib, const char* name, F& out, std::string& missing) {
  out = reinterpret_cast<F>(dlsym(lib, name));
  if (out == nullptr) missing = name;
  return out != nullptr;
}

Result<DuckApi> Load() {
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("WEIR_DUCKDB_LIB"); env != nullptr && *env != '\0') {
    candidates.emplace_back(env);
  }
#ifdef WEIR_DUCKDB_LIB_DEFAULT
  candidates.emplace_back(WEIR_DUCKDB_LIB_DEFAULT);
#endif
  candidates.emplace_back("libduckdb.so");
  std::string tried;
  void* lib = nullptr;
  std::string path;
  for (const auto& c : candidates) {
    lib = dlopen(c.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (lib != nullptr) {
      path = c;
      break;
    }
    tried += "\n  " + c + ": " + dlerror();
  }
  if (lib == nullptr) {
    return Err(ErrorCode::kFailedPrecondition,
               "cannot load DuckDB's library; run scripts/setup (it fetches libduckdb.so), or "
               "set WEIR_DUCKDB_LIB to its path. Tried:{}",
               tried);
  }
  DuckApi api;
  api.path = path;
  std::string missing;
  bool ok =
      Resolve(lib, "duckdb_library_version", api.library_version, missing) &&
      Resolve(lib, "duckdb_create_config", api.create_config, missing) &&
      Resolve(lib, "duckdb_set_config", api.set_config, missing) &&
      Resolve(lib, "duckdb_destroy_config", api.destroy_config, missing) &&
      Resolve(lib, "duckdb_open_ext", api.open_ext, missing) &&
      Resolve(lib, "duckdb_close", api.close, missing) &&
      Resolve(lib, "duckdb_connect", api.connect, missing) &&
      Resolve(lib, "duckdb_disconnect", api.disconnect, missing) &&
      Resolve(lib, "duckdb_query", api.query, missing) &&
      Resolve(lib, "duckdb_destroy_result", api.destroy_result, missing) &&
      Resolve(lib, "duckdb_result_error", api.result_error, missing) &&
      Resolve(lib, "duckdb_column_count", api.column_count, missing) &&
      Resolve(lib, "duckdb_row_count", api.row_count, missing) &&
      Resolve(lib, "duckdb_column_name", api.column_name, missing) &&
      Resolve(lib, "duckdb_column_type", api.column_type, missing) &&
      Resolve(lib, "duckdb_value_is_null", api.value_is_null, missing) &&
      Resolve(lib, "duckdb_value_varchar", api.value_varchar, missing) &&
      Resolve(lib, "duckdb_free", api.free, missing) &&
      Resolve(lib, "duckdb_extract_statements", api.extract_statements, missing) &&
      Resolve(lib, "duckdb_extract_statements_error", api.extract_statements_error, missing) &&
      Resolve(lib, "duckdb_destroy_extracted", api.destroy_extracted, missing) &&
      Resolve(lib, "duckdb_prepare_extracted_statement", api.prepare_extracted_statement,
              missing) &&
      Resolve(lib, "duckdb_prepare_error", api.prepare_error, missing) &&
      Resolve(lib, "duckdb_destroy_prepare", api.destroy_prepare, missing) &&
      Resolve(lib, "duckdb_execute_prepared", api.execute_prepared, missing) &&
      Resolve(lib, "duckdb_prepared_statement_type", api.prepared_statement_type, missing) &&
      Resolve(lib, "duckdb_nparams", api.nparams, missing) &&
      Resolve(lib, "duckdb_parameter_name", api.parameter_name, missing) &&
      Resolve(lib, "duckdb_bind_varchar_length", api.bind_varchar_length, missing) &&
      Resolve(lib, "duckdb_bind_int64", api.bind_int64, missing) &&
      Resolve(lib, "duckdb_bind_double", api.bind_double, missing) &&
      Resolve(lib, "duckdb_bind_boolean", api.bind_boolean, missing) &&
      Resolve(lib, "duckdb_bind_null", api.bind_null, missing);
  if (!ok) {
    dlclose(lib);
    return Err(ErrorCode::kFailedPrecondition,
               "{} has no function {}: it is not the DuckDB version weir was built for (1.4); "
               "run scripts/setup again",
               path, missing);
  }
  return api;  // the library stays loaded for the life of the process
}

}  // namespace

Result<const DuckApi*> LoadDuckApi() {
  static std::once_flag once;
  static Result<DuckApi>* loaded = nullptr;
  std::call_once(once, [] { loaded = new Result<DuckApi>(Load()); });
  if (!loaded->has_value()) return std::unexpected(loaded->error());
  return &loaded->value();
}

}  // namespace weir
