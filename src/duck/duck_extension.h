#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "duck/duck.h"

namespace weir {

// DuckDB's extensions beyond the built-in ones (CSV, Parquet, JSON, ICU) come only from a
// folder the user fills: weir never downloads code at run time, and DuckDB's own
// auto-install and auto-load stay off.

// Where DuckDB's INSTALL would put extension `name` for this library: the version and the
// platform, as `<version>/<platform>/<name>.duckdb_extension` ("v1.4.4/linux_amd64/...").
Result<std::string> DuckExtensionSubpath(DuckConnection& con, std::string_view name);

// Loads extension `name` from `directory` (the duckdb_extension_directory setting), where it
// is either as DuckDB's INSTALL lays it out
// (<directory>/v1.4.4/linux_amd64/httpfs.duckdb_extension) or directly in it
// (<directory>/httpfs.duckdb_extension). `why` says what needs it ("reading s3:// files"). Errors
// are kFailedPrecondition and say what to do: no folder configured, the file missing (naming both
// places looked at), or DuckDB refusing the file (not an extension, another version or platform, an
// unsigned build), with DuckDB's reason.
Status LoadDuckExtension(DuckConnection& con, std::string_view name, const std::string& directory,
                         std::string_view why);

}  // namespace weir
