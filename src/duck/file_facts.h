#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "duck/duck.h"

namespace weir {

// A column of a tabular file, with DuckDB's type name.
struct ColumnInfo {
  std::string name;
  std::string type;
  // The file has no value in this column (every row NULL, or no rows): its type says nothing
  // (the lake catalog takes the dataset's type for it). In JSON, "empty": true.
  bool empty = false;
  bool operator==(const ColumnInfo&) const = default;
};

// What the lake catalog records about a file's content.
struct FileFacts {
  std::string format;           // "parquet", "csv", or "" (not tabular: no rows, no columns)
  std::optional<int64_t> rows;  // for parquet and csv
  std::vector<ColumnInfo> columns;
};

// The format a file name says: "parquet" for .parquet, "csv" for .csv, .csv.gz, .tsv and
// .tsv.gz, "" otherwise.
std::string TabularFormatOf(const std::string& path);

// Reads the schema and row count of a Parquet file (from its footer) or a CSV file (DuckDB's
// sniffer), then counts rows and each column's values in one pass (to mark empty columns). A file
// of another format gives FileFacts with an empty format. Fails when the file does not read as its
// format says (a truncated Parquet file, an HTML page saved as .csv), with DuckDB's message.
Result<FileFacts> ReadFileFacts(const std::string& path, const DuckOptions& options);

// [{"name", "type"}, ...] and back.
Json ColumnsToJson(const std::vector<ColumnInfo>& columns);
Result<std::vector<ColumnInfo>> ColumnsFromJson(const Json& j);

}  // namespace weir
