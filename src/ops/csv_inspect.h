#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace weir {

// What csv_to_parquet learns about an input before DuckDB sees it, by reading its first
// bytes (through zlib, so .csv.gz and a gzip file named .csv read the same): whether it is
// CSV at all, its encoding when a BOM says, and the delimiter its first line uses. DuckDB's
// own sniffer is good at types but, given a file that is not CSV or has ragged rows, it can
// fall back to "one column of text" and succeed; these checks make such input fail clearly.
struct CsvLayout {
  bool gzip = false;      // the bytes are gzip-compressed, whatever the name says
  std::string encoding;   // "utf-8", "utf-16" or "latin-1"
  char delimiter = ',';   // given, or the most frequent candidate in the first line
  int header_fields = 0;  // fields in the first line (0 for UTF-16, not counted)
  uint64_t size = 0;      // bytes on disk
};

struct CsvHints {
  std::string encoding;  // empty: from the BOM, else utf-8
  char delimiter = 0;    // 0: detect
  char quote = '"';
};

// Fails, saying what the file looks like instead ("an HTML page", "an XML document", "a
// Parquet file", "binary data", "empty"), when the input is not delimited text.
Result<CsvLayout> InspectCsv(const std::string& path, const CsvHints& hints);

// Reads a gzip file to its end: fails when the stream is truncated or corrupt, with how far
// it got. (DuckDB reads a gzip file cut at a line boundary as if it were whole.)
Status CheckGzipIntact(const std::string& path);

// Scans the file for the first record whose field count differs from the first record's
// (quotes respected): "line 12 has 20 fields where the header (line 1) has 18". Also
// reports a truncated gzip stream. nullopt when every record matches.
std::optional<std::string> FindRaggedRecord(const std::string& path, const CsvLayout& layout,
                                            char quote, bool header);

// The first bytes of `data`, quoted for an error message: printable ASCII as is, other bytes
// as \xNN, at most `limit` characters, with "..." when cut.
std::string QuoteBytes(std::string_view data, size_t limit = 60);

}  // namespace weir
