#pragma once

#include <cstdint>
#include <string>

namespace weir {

// How csv_to_parquet read a file, for explaining why DuckDB could not.
struct CsvReading {
  std::string input;
  char delimiter = ',';  // 0: left to DuckDB's sniffer
  char quote = '"';      // 0: none
  char escape = '"';     // 0: none
  std::string encoding;  // "utf-8", "latin-1", "utf-16"
  bool header = true;
  bool explicit_types = false;  // `types` or `columns` were given
  int64_t sample_size = 0;
};

// DuckDB's error about reading a CSV, said as weir says it: what is wrong with the file (and
// where, when DuckDB names a line), which of csv_to_parquet's arguments helps, then DuckDB's
// own words, shortened, in brackets. Never DuckDB's message alone.
std::string ExplainCsvError(const std::string& duckdb_message, const CsvReading& reading);

// DuckDB's message without its list of generic fixes (which name DuckDB's options, not
// csv_to_parquet's arguments), on one line, at most about 600 characters.
std::string ShortDuckError(std::string_view message);

}  // namespace weir
