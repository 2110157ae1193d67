#include "ops/csv_errors.h"

#include <fmt/format.h>

#include <optional>
#include <regex>

#include "base/strings.h"

namespace weir {

namespace {

bool Has(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

// The line DuckDB names ("CSV Error on Line: 1084"), when it names one.
std::optional<std::string> LineOf(const std::string& message) {
  static const std::regex kLine(R"(Error on Line: (\d+))");
  std::smatch m;
  if (std::regex_search(message, m, kLine)) return m[1].str();
  return std::nullopt;
}

// The column of a failed conversion: `column "fare"` or `column fare`.
std::optional<std::string> ColumnOf(const std::string& message) {
  static const std::regex kQuoted(R"(column \"([^\"]+)\")");
  static const std::regex kPlain(R"(in column (\S+?)[:.]?( |$))");
  std::smatch m;
  if (std::regex_search(message, m, kQuoted)) return m[1].str();
  if (std::regex_search(message, m, kPlain)) return m[1].str();
  return std::nullopt;
}

std::string Shown(char c) {
  if (c == 0) return "none";
  if (c == '\t') return "tab";
  return std::string("'") + c + "'";
}

}  // namespace

std::string ShortDuckError(std::string_view message) {
  size_t cut = message.size();
  for (std::string_view marker : {"Possible fixes", "Possible Solution", "Possible solutions",
                                  "\n  file =", "The search space used was"}) {
    cut = std::min(cut, message.find(marker));
  }
  std::string out;
  for (char c : message.substr(0, cut)) {
    if (c == '\n') {
      if (!out.empty() && out.back() != ' ') out += "; ";
    } else {
      out += c;
    }
  }
  while (!out.empty() && (out.back() == ' ' || out.back() == ';')) out.pop_back();
  return out.size() > 600 ? out.substr(0, 600) + "..." : out;
}

std::string ExplainCsvError(const std::string& message, const CsvReading& r) {
  std::optional<std::string> line = LineOf(message);
  std::string at = line ? " at line " + *line : "";
  std::string dialect = fmt::format("delimiter {}, quote {}, escape {}", Shown(r.delimiter),
                                    Shown(r.quote), Shown(r.escape));
  std::string what, help;
  if (Has(message, "unterminated quote")) {
    what = fmt::format("a quoted field{} does not end where its line does ({})", at, dialect);
    help =
        "if the file escapes quotes with a backslash (\\\"), set `escape: \"\\\\\"`; if its quote "
        "marks are ordinary characters, set `quote: \"\"`";
  } else if (Has(message, "not possible to automatically detect the CSV parsing dialect")) {
    what = fmt::format(
        "DuckDB's sniffer found no way to split the first {} rows into columns of one count "
        "({}, {})",
        r.sample_size > 0 ? std::to_string(r.sample_size) : "all", dialect, r.encoding);
    help =
        "give the dialect yourself: `delimiter`, `quote`, `escape` and `header` (a file with a "
        "title or notes above its header is not a plain CSV), or check `encoding`";
  } else if (Has(message, "Invalid unicode") || Has(message, "invalid unicode") ||
             Has(message, "not utf-8 encoded")) {
    what = fmt::format("the bytes{} are not valid {}", at, r.encoding);
    help =
        "set `encoding`: latin-1 for most Western European exports (Excel, older systems), "
        "utf-16 for files written as UTF-16 without a byte order mark";
  } else if (Has(message, "Could not convert") || Has(message, "Could not parse string") ||
             Has(message, "Conversion Error")) {
    std::optional<std::string> column = ColumnOf(message);
    std::string name = column ? *column : "the column";
    what = fmt::format("a value{} does not fit the type of {}", at,
                       column ? "column " + *column : "its column");
    help = r.explicit_types
               ? fmt::format("correct the type you gave {} in `types` or `columns`", name)
               : fmt::format("set `types: {{{}: VARCHAR}}` (or DOUBLE) to read it otherwise",
                             column ? *column : "name");
  } else if (Has(message, "Maximum line size") || Has(message, "maximum line size")) {
    what = fmt::format(
        "a line{} is longer than DuckDB reads (a quote that never closes makes "
        "the rest of the file one line)",
        at);
    help = "check `quote` and `escape`";
  } else if (Has(message, "Expected Number of Columns") || Has(message, "columns but found") ||
             Has(message, "Too many columns")) {
    what = fmt::format("a row{} has a different number of fields than the {}", at,
                       r.header ? "header" : "first row");
    help = "check `delimiter`, `quote` and `escape`, or the source";
  } else if (Has(message, "state machine reached an invalid state")) {
    what = fmt::format("the file does not follow the CSV rules as read ({})", dialect);
    help = "check `delimiter`, `quote`, `escape` and `encoding`";
  } else {
    what = fmt::format("DuckDB could not read it{}", at);
    help = "check `delimiter`, `quote`, `escape`, `header` and `encoding`";
  }
  return fmt::format("{}: {}; {} (DuckDB: {})", r.input, what, help, ShortDuckError(message));
}

}  // namespace weir
