#include "duck/duck_extension.h"

#include <filesystem>

namespace weir {

namespace fs = std::filesystem;

namespace {

// The steps that put an extension where weir looks, for errors.
std::string InstallSteps(std::string_view name, const std::string& subpath) {
  return fmt::format(
      "on a machine that can reach extensions.duckdb.org, run the duckdb CLI of the same "
      "version: SET extension_directory = '/some/folder'; INSTALL {0}; then copy that folder "
      "to this machine and set duckdb_extension_directory to it in weir.yaml (or copy "
      "{1} there yourself). weir never downloads extensions at run time",
      name, subpath);
}

}  // namespace

Result<std::string> DuckExtensionSubpath(DuckConnection& con, std::string_view name) {
  DuckRows rows = TRY(con.Query("SELECT version(), (SELECT * FROM pragma_platform())", "DuckDB"));
  const auto& row = rows.rows.at(0);
  return fmt::format("{}/{}/{}.duckdb_extension", row.at(0).value_or("unknown"),
                     row.at(1).value_or("unknown"), name);
}

Status LoadDuckExtension(DuckConnection& con, std::string_view name, const std::string& directory,
                         std::string_view why) {
  std::string subpath = TRY(DuckExtensionSubpath(con, name));
  if (directory.empty()) {
    return Err(ErrorCode::kFailedPrecondition,
               "{} needs DuckDB's {} extension, and no duckdb_extension_directory is "
               "configured: {}",
               why, name, InstallSteps(name, subpath));
  }
  std::string file_name = std::string(name) + ".duckdb_extension";
  std::string installed = (fs::path(directory) / subpath).string();
  std::string flat = (fs::path(directory) / file_name).string();
  std::error_code ec;
  std::string file = fs::is_regular_file(installed, ec) ? installed
                     : fs::is_regular_file(flat, ec)    ? flat
                                                        : std::string();
  if (file.empty()) {
    return Err(ErrorCode::kFailedPrecondition,
               "{} needs DuckDB's {} extension, which is not in duckdb_extension_directory "
               "{} (looked for {} and {}): {}",
               why, name, directory, installed, flat, InstallSteps(name, subpath));
  }
  auto loaded = con.Execute("LOAD " + DuckString(file), "DuckDB");
  if (!loaded) {
    return Err(ErrorCode::kFailedPrecondition,
               "{} needs DuckDB's {} extension, and DuckDB refused {}: {}. It must be DuckDB's "
               "own signed build for {}: {}",
               why, name, file, loaded.error().message, subpath.substr(0, subpath.rfind('/')),
               InstallSteps(name, subpath));
  }
  return {};
}

}  // namespace weir
