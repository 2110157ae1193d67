#include "ops/csv_inspect.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "base/strings.h"

namespace weir {

namespace {

constexpr size_t kHeadBytes = 64 * 1024;

// A file read through zlib: gzip streams are inflated, other files pass through unchanged.
class GzReader {
 public:
  explicit GzReader(const std::string& path) : file_(gzopen(path.c_str(), "rb")) {
    if (file_ != nullptr) gzbuffer(file_, 256 * 1024);
  }
  ~GzReader() {
    if (file_ != nullptr) gzclose(file_);
  }
  GzReader(const GzReader&) = delete;
  GzReader& operator=(const GzReader&) = delete;

  bool ok() const { return file_ != nullptr; }
  // Bytes read into buf; 0 at the end or on an error (see error()).
  size_t Read(char* buf, size_t size) {
    int n = gzread(file_, buf, static_cast<unsigned>(size));
    if (n < 0) {
      failed_ = true;
      return 0;
    }
    return static_cast<size_t>(n);
  }
  // zlib's complaint once reading stopped ("unexpected end of file"), or "" when the stream
  // ended cleanly.
  std::string error() {
    int code = Z_OK;
    const char* message = gzerror(file_, &code);
    if (!failed_ && (code == Z_OK || code == Z_STREAM_END)) return "";
    return message != nullptr ? message : "read error";
  }

 private:
  gzFile file_;
  bool failed_ = false;
};

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
  }
  return true;
}

// What non-CSV content looks like, or "" when it may be CSV.
std::string ContentKind(std::string_view head) {
  std::string_view text = head;
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  if (StartsWithNoCase(text, "<?xml")) return "an XML document";
  if (StartsWithNoCase(text, "<!doctype html") || StartsWithNoCase(text, "<html")) {
    return "an HTML page";
  }
  if (StartsWithNoCase(text, "<")) return "markup (HTML or XML)";
  if (head.substr(0, 4) == "PAR1") return "a Parquet file";
  if (head.substr(0, 4) == std::string_view("PK\x03\x04", 4)) return "a ZIP archive";
  if (head.substr(0, 2) == "\x1f\x8b") return "gzip data inside gzip (compressed twice)";
  if (!text.empty() && (text.front() == '{' || text.front() == '[')) {
    // A JSON document; a CSV whose first header field starts with '[' is too rare to matter.
    return "a JSON document";
  }
  std::string_view probe = head.substr(0, 4096);
  if (probe.find('\0') != std::string_view::npos) return "binary data";
  return "";
}

// The first line (quotes respected, so a quoted newline does not end it).
std::string_view FirstLine(std::string_view head, char quote) {
  bool quoted = false;
  for (size_t i = 0; i < head.size(); ++i) {
    char c = head[i];
    if (c == quote) quoted = !quoted;
    if (!quoted && (c == '\n' || c == '\r')) return head.substr(0, i);
  }
  return head;
}

int CountOutsideQuotes(std::string_view line, char delimiter, char quote) {
  int n = 0;
  bool quoted = false;
  for (char c : line) {
    if (c == quote) quoted = !quoted;
    if (!quoted && c == delimiter) ++n;
  }
  return n;
}

}  // namespace

std::string QuoteBytes(std::string_view data, size_t limit) {
  std::string out;
  for (unsigned char c : data) {
    if (out.size() >= limit) {
      out += "...";
      break;
    }
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("\\x{:02x}", c);
    }
  }
  return "\"" + out + "\"";
}

Result<CsvLayout> InspectCsv(const std::string& path, const CsvHints& hints) {
  CsvLayout layout;
  std::error_code ec;
  layout.size = std::filesystem::file_size(path, ec);
  if (ec) return Err(ErrorCode::kNotFound, "cannot read {}: {}", path, ec.message());
  if (layout.size == 0) {
    return Err(ErrorCode::kInvalidArgument,
               "{} is empty (0 bytes): there is no header and no rows; the source sent nothing",
               path);
  }
  std::array<char, 2> magic{};
  std::ifstream(path, std::ios::binary).read(magic.data(), 2);
  layout.gzip = magic[0] == '\x1f' && magic[1] == '\x8b';

  GzReader reader(path);
  if (!reader.ok()) return Err(ErrorCode::kNotFound, "cannot open {}", path);
  std::string head(kHeadBytes, '\0');
  size_t got = 0;
  while (got < head.size()) {
    size_t n = reader.Read(head.data() + got, head.size() - got);
    if (n == 0) break;
    got += n;
  }
  head.resize(got);
  if (layout.gzip && head.empty()) {
    std::string error = reader.error();
    if (!error.empty()) {
      return Err(ErrorCode::kInvalidArgument,
                 "{} is a truncated or corrupt gzip file ({} bytes on disk, nothing inflates "
                 "from it: {}); the download was probably cut short",
                 path, layout.size, error);
    }
    return Err(ErrorCode::kInvalidArgument,
               "{} is empty: a gzip file that inflates to 0 bytes, with no header and no rows",
               path);
  }

  std::string_view text = head;
  layout.encoding = hints.encoding;
  if (text.substr(0, 2) == "\xff\xfe" || text.substr(0, 2) == "\xfe\xff") {
    if (layout.encoding.empty()) layout.encoding = "utf-16";
    // Fields are not counted in UTF-16: DuckDB's sniffer finds the delimiter unless given.
    layout.delimiter = hints.delimiter;
    return layout;
  }
  if (layout.encoding.empty()) layout.encoding = "utf-8";
  if (text.substr(0, 3) == "\xef\xbb\xbf") text.remove_prefix(3);
  std::string kind = ContentKind(text);
  if (!kind.empty()) {
    return Err(ErrorCode::kInvalidArgument, "{} is not CSV: it looks like {} (it starts with {}){}",
               path, kind, QuoteBytes(text),
               kind.find("HTML") != std::string::npos || kind.find("XML") != std::string::npos
                   ? "; the server probably answered with an error page"
                   : "");
  }
  std::string_view first = FirstLine(text, hints.quote);
  if (first.empty()) {
    return Err(ErrorCode::kInvalidArgument, "{} starts with an empty line: there is no header",
               path);
  }
  layout.delimiter = hints.delimiter;
  if (layout.delimiter == 0) {
    int best = 0;
    layout.delimiter = ',';
    for (char candidate : {',', '\t', ';', '|'}) {
      int n = CountOutsideQuotes(first, candidate, hints.quote);
      if (n > best) {
        best = n;
        layout.delimiter = candidate;
      }
    }
  }
  layout.header_fields = CountOutsideQuotes(first, layout.delimiter, hints.quote) + 1;
  return layout;
}

Status CheckGzipIntact(const std::string& path) {
  GzReader reader(path);
  if (!reader.ok()) return Err(ErrorCode::kNotFound, "cannot open {}", path);
  std::string buf(1 << 20, '\0');
  uint64_t total = 0;
  for (size_t n; (n = reader.Read(buf.data(), buf.size())) > 0;) total += n;
  std::string error = reader.error();
  if (error.empty()) return {};
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  return Err(ErrorCode::kInvalidArgument,
             "{} is a truncated or corrupt gzip file: it stops after inflating {} from {} on disk "
             "({}); the download was probably cut short, run the download again",
             path, FormatBytes(static_cast<int64_t>(total)),
             FormatBytes(static_cast<int64_t>(size)), error);
}

std::string CsvScan::DescribeLineEndings() const {
  std::string out;
  for (auto [n, name] : {std::pair{crlf, "CRLF"}, std::pair{lf, "LF"}, std::pair{cr, "CR"}}) {
    if (n == 0) continue;
    out += out.empty()
               ? fmt::format("{} line{} end{} in {}", n, n == 1 ? "" : "s", n == 1 ? "s" : "", name)
               : fmt::format(", {} in {}", n, name);
  }
  if (first_change_line > 0) {
    out += fmt::format("; line 1 ends in {}, line {} in {}", first_end, first_change_line,
                       changed_end);
  }
  return out;
}

CsvScan ScanCsv(const std::string& path, const CsvLayout& layout, char quote, char escape,
                bool header) {
  CsvScan scan;
  if (layout.encoding == "utf-16") return scan;
  GzReader reader(path);
  if (!reader.ok()) return scan;
  std::string buf(1 << 20, '\0');
  int64_t line = 1;         // the physical line being read
  int64_t record_line = 1;  // where the current record started
  int fields = 1, expected = 0;
  bool quoted = false, escaped = false, empty_record = true, bom_checked = false;
  bool pending_cr = false;  // a CR outside quotes, not yet known to be part of a CRLF
  int first_kind = -1;      // how line 1 ends: 0 CRLF, 1 LF, 2 CR
  constexpr std::array<const char*, 3> kEnds = {"CRLF", "LF", "CR"};
  bool escape_differs = escape != 0 && escape != quote;
  // `cut`: the file ended inside this record, with no line end after it.
  auto end_record = [&](bool cut = false) {
    if (!empty_record) {
      ++scan.records;
      if (expected == 0) {
        expected = fields;
      } else if (fields != expected && !scan.problem) {
        scan.problem =
            fmt::format("line {}{} has {} fields where the {} (line 1) has {}{}", record_line,
                        cut ? ", the last," : "", fields, header ? "header" : "first row", expected,
                        cut ? ", and no line end: the file stops partway through a "
                              "record, probably cut short"
                            : "");
      }
    }
    fields = 1;
    empty_record = true;
  };
  // A line end outside quotes, of kind 0 (CRLF), 1 (LF) or 2 (CR).
  auto line_end = [&](int kind) {
    (kind == 0 ? scan.crlf : kind == 1 ? scan.lf : scan.cr) += 1;
    if (first_kind < 0) {
      first_kind = kind;
      scan.first_end = kEnds[kind];
    }
    if (kind != first_kind && scan.first_change_line == 0) {
      scan.first_change_line = line;
      scan.changed_end = kEnds[kind];
    }
    end_record();
    ++line;
    record_line = line;
  };
  for (size_t n; !scan.problem && (n = reader.Read(buf.data(), buf.size())) > 0;) {
    std::string_view chunk(buf.data(), n);
    if (!bom_checked) {
      bom_checked = true;
      if (chunk.substr(0, 3) == "\xef\xbb\xbf") chunk.remove_prefix(3);
    }
    for (char c : chunk) {
      if (pending_cr) {
        pending_cr = false;
        if (c == '\n') {
          line_end(0);
          continue;
        }
        line_end(2);
      }
      if (quoted) {
        if (escaped) {
          escaped = false;
        } else if (escape_differs && c == escape) {
          escaped = true;
        } else if (c == quote) {
          quoted = false;
        } else if (c == '\n') {
          ++line;
        }
        continue;
      }
      if (c == '\r') {
        pending_cr = true;
        continue;
      }
      if (c == '\n') {
        line_end(1);
        continue;
      }
      empty_record = false;
      if (c == quote) {
        quoted = true;
      } else if (c == layout.delimiter) {
        ++fields;
      }
    }
  }
  if (scan.problem) return scan;
  std::string error = reader.error();
  if (!error.empty()) {
    scan.problem =
        fmt::format("the gzip stream is truncated or corrupt at line {} ({})", line, error);
    return scan;
  }
  if (quoted) {
    scan.problem = fmt::format("a quoted field opened on line {} is never closed", record_line);
    return scan;
  }
  if (pending_cr) line_end(2);
  end_record(true);
  return scan;
}

}  // namespace weir
