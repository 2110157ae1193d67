#pragma once

#include <string>
#include <vector>

#include "base/json.h"
#include "base/secret_masker.h"
#include "base/status.h"
#include "base/time.h"

namespace weir {

// Exit codes, so scripts can tell outcomes apart.
enum ExitCode : int {
  kExitOk = 0,
  kExitFailed = 1,       // the operation ran and failed (a run or task failed), or an error
  kExitUsage = 2,        // bad command line or bad input (CLI11 also uses 2 for usage errors)
  kExitNotFound = 3,     // the named DAG, task, run or variable does not exist
  kExitUnavailable = 4,  // the database is busy or another scheduler holds the lock
};

// Maps an error to its exit code.
int ExitCodeFor(const Error& e);
// Prints "error: <message>" to stderr and returns the exit code for it.
int ReportError(const Error& e);

enum class OutputFormat { kTable, kJson };

// Rows for people (an aligned table) or scripts (a JSON array of objects with the same keys).
class Table {
 public:
  explicit Table(std::vector<std::string> columns);
  void AddRow(std::vector<std::string> cells);
  // Cells in JSON output keep these values (numbers, booleans, null) instead of the text.
  void AddRow(std::vector<std::string> cells, Json json_row);
  // Prints the rows, each cell (and JSON value) masked by `masker`.
  void Print(OutputFormat format, const SecretMasker& masker = SecretMasker()) const;
  std::string Render() const;  // the table as text
  size_t size() const { return rows_.size(); }

 private:
  std::vector<std::string> columns_;
  std::vector<std::vector<std::string>> rows_;
  std::vector<Json> json_rows_;
};

// "2021-01-01 06:00" in the zone, or "" for an unset time.
std::string ShortTime(const std::optional<Time>& t, const date::time_zone* zone = nullptr);

}  // namespace weir
