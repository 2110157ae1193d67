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

// What a scan of the whole file finds (quotes respected): the first structural problem, and
// how its records end. DuckDB's strict mode (which weir reads with, so that a ragged file
// fails instead of turning into one column of text) also refuses a file whose line endings
// are mixed, which real files have (a header ending in LF over rows in CRLF); the scan tells
// that apart from damage.
struct CsvScan {
  // "line 12 has 20 fields where the header (line 1) has 18", "a quoted field opened on
  // line 2 is never closed", or a truncated gzip stream; nullopt when every record matches.
  std::optional<std::string> problem;
  int64_t records = 0;               // non-empty records, the header included
  int64_t crlf = 0, lf = 0, cr = 0;  // line ends (outside quotes) of each kind
  std::string first_end;             // how line 1 ends: "CRLF", "LF" or "CR"
  int64_t first_change_line = 0;     // the first line that ends otherwise, and how
  std::string changed_end;

  bool MixedLineEndings() const { return (crlf > 0) + (lf > 0) + (cr > 0) > 1; }
  // "10000 lines end in CRLF, 1 in LF; line 1 ends in CRLF, line 10001 in LF".
  std::string DescribeLineEndings() const;
};

// Reads the whole file (inflating gzip). `escape` inside a quoted field makes the next
// character plain (when it differs from the quote; a doubled quote needs no rule).
CsvScan ScanCsv(const std::string& path, const CsvLayout& layout, char quote, char escape,
                bool header);

// The first bytes of `data`, quoted for an error message: printable ASCII as is, other bytes
// as \xNN, at most `limit` characters, with "..." when cut.
std::string QuoteBytes(std::string_view data, size_t limit = 60);

}  // namespace weir
