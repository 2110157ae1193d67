#include "ops/csv_to_parquet.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>
#include <optional>
#include <set>
#include <utility>

#include "base/strings.h"
#include "duck/file_facts.h"
#include "ops/args.h"
#include "ops/csv_errors.h"
#include "ops/csv_inspect.h"

namespace weir {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kOp = "csv_to_parquet";

// Text forms of timestamps that DuckDB's sniffer leaves as VARCHAR, tried in this order on
// text columns (month-first before day-first: the common US exports come first).
const std::vector<std::string>& DefaultTimestampFormats() {
  static const std::vector<std::string> formats = {
      "%m/%d/%Y %H:%M:%S",
      "%m/%d/%Y %H:%M",
      "%m/%d/%Y, %I:%M:%S %p",
      "%m/%d/%Y %I:%M:%S %p",
      "%m/%d/%Y, %I:%M %p",
      "%m/%d/%Y %I:%M %p",
      "%d/%m/%Y %H:%M:%S",
      "%d/%m/%Y %H:%M",
      "%Y-%m-%d %I:%M:%S %p",
      "%Y/%m/%d %H:%M:%S",
      "%Y/%m/%d %H:%M",
      "%d.%m.%Y %H:%M:%S",
      "%d.%m.%Y %H:%M",
      "%m/%d/%Y",
      "%Y/%m/%d",
      "%d.%m.%Y",
  };
  return formats;
}

// The options the task's arguments give, checked.
struct Options {
  std::string input, output;
  CsvHints hints;
  std::string escape;
  bool header = true;
  std::vector<std::string> null_values;
  Json columns;  // [{name, type}] in file order, or null
  std::map<std::string, std::string> types;
  std::vector<std::string> timestamp_formats;
  std::string compression;
  int64_t row_group_size = 0;
  int64_t sample_size = 0;
  bool allow_empty = false;
  // DuckDB's strict mode: on, except for a second reading of a file whose line endings are
  // mixed and whose every record weir's scan has checked (see Run).
  bool strict = true;
};

Result<char> OneChar(const Json& args, std::string_view name, std::string fallback) {
  std::string text = TRY(StringArg(args, kOp, name, std::move(fallback)));
  if (text == "\\t" || text == "tab") return '\t';
  if (text.empty()) return static_cast<char>(0);
  if (text.size() != 1) {
    return Err(ErrorCode::kInvalidArgument,
               "csv_to_parquet: argument '{}' must be one character, got '{}'", name, text);
  }
  return text[0];
}

Result<std::vector<std::string>> StringList(const Json& args, std::string_view name,
                                            std::vector<std::string> fallback) {
  Json list = TRY(TypedArg(args, kOp, name, Json::value_t::array, Json()));
  if (list.is_null()) return fallback;
  std::vector<std::string> out;
  for (const Json& v : list) {
    if (!v.is_string()) {
      return Err(ErrorCode::kInvalidArgument,
                 "csv_to_parquet: argument '{}' must be a list of strings, got {}", name, v.dump());
    }
    out.push_back(v.get<std::string>());
  }
  return out;
}

std::string DefaultOutput(const std::string& input) {
  std::string name = fs::path(input).filename().string();
  for (std::string_view ext : {".gz", ".csv", ".tsv", ".txt"}) {
    if (name.size() > ext.size() && name.ends_with(ext)) name.resize(name.size() - ext.size());
  }
  return name + ".parquet";
}

Result<Options> ParseOptions(const Json& args, const NativeContext& ctx) {
  Options o;

  o.input = InWorkDir(TRY(StringArg(args, kOp, "input")), ctx);
  o.output = TRY(StringArg(args, kOp, "output"));
  if (o.output.empty()) o.output = DefaultOutput(o.input);
  if (fs::path(o.output).lexically_normal().string().starts_with("..")) {
    return Err(ErrorCode::kInvalidArgument,
               "csv_to_parquet: output '{}' leaves the task's work folder", o.output);
  }
  o.output = InWorkDir(o.output, ctx);
  o.hints.delimiter = TRY(OneChar(args, "delimiter", ""));
  o.hints.quote = TRY(OneChar(args, "quote", "\""));
  o.escape = TRY(StringArg(args, kOp, "escape"));
  std::string encoding = ToLower(TRY(StringArg(args, kOp, "encoding")));
  if (encoding == "utf8" || encoding == "utf-8-sig") encoding = "utf-8";
  if (encoding == "latin1" || encoding == "iso-8859-1") encoding = "latin-1";
  if (encoding == "utf16") encoding = "utf-16";
  if (!encoding.empty() && encoding != "utf-8" && encoding != "latin-1" && encoding != "utf-16") {
    return Err(ErrorCode::kInvalidArgument,
               "csv_to_parquet: encoding '{}' is not supported: use utf-8, utf-8-sig, latin-1 or "
               "utf-16",
               encoding);
  }
  o.hints.encoding = encoding;
  o.header = TRY(BoolArg(args, kOp, "header", true));
  o.null_values = TRY(StringList(args, "null_values", {""}));
  o.columns = TRY(TypedArg(args, kOp, "columns", Json::value_t::array, Json()));
  if (!o.columns.is_null()) TRY_CONTEXT(ColumnsFromJson(o.columns), "csv_to_parquet: columns");
  o.types = TRY(StringMapArg(args, kOp, "types"));
  o.timestamp_formats = TRY(StringList(args, "timestamp_formats", DefaultTimestampFormats()));
  o.compression = ToLower(TRY(StringArg(args, kOp, "compression", "zstd")));
  if (o.compression != "zstd" && o.compression != "snappy" && o.compression != "gzip" &&
      o.compression != "none") {
    return Err(ErrorCode::kInvalidArgument,
               "csv_to_parquet: compression '{}' is not one of zstd, snappy, gzip, none",
               o.compression);
  }
  o.row_group_size = TRY(IntArg(args, kOp, "row_group_size", 122880));
  o.sample_size = TRY(IntArg(args, kOp, "sample_size", 20480));
  if (o.row_group_size < 1 || o.sample_size == 0 || o.sample_size < -1) {
    return Err(ErrorCode::kInvalidArgument,
               "csv_to_parquet: row_group_size must be > 0 and sample_size > 0 (or -1: the "
               "whole file)");
  }
  o.allow_empty = TRY(BoolArg(args, kOp, "allow_empty", false));
  return o;
}

char EscapeChar(const Options& o) { return o.escape.empty() ? o.hints.quote : o.escape[0]; }

CsvReading Reading(const Options& o, const CsvLayout& layout) {
  return CsvReading{.input = o.input,
                    .delimiter = layout.delimiter,
                    .quote = o.hints.quote,
                    .escape = EscapeChar(o),
                    .encoding = layout.encoding,
                    .header = o.header,
                    .explicit_types = !o.types.empty() || !o.columns.is_null(),
                    .sample_size = o.sample_size};
}

std::string Ident(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    out += c;
    if (c == '"') out += '"';
  }
  return out + "\"";
}

std::string StringListSql(const std::vector<std::string>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + DuckString(values[i]);
  return out + "]";
}

// The options every read of the input shares: dialect, encoding, compression, nulls.
std::string CsvOptionsSql(const Options& o, const CsvLayout& layout) {
  std::string sql = DuckString(o.input);
  if (layout.delimiter != 0) sql += ", delim=" + DuckString(std::string(1, layout.delimiter));
  // The escape is always given: left to the sniffer, it may pick "no escape" from rows that
  // have no quote inside a quoted field, and the first `""` after them is then an
  // "unterminated quote". RFC 4180 doubles the quote, so that is the default.
  std::string quote = o.hints.quote != 0 ? std::string(1, o.hints.quote) : "";
  sql += ", quote=" + DuckString(quote);
  sql += ", escape=" + DuckString(o.escape.empty() ? quote : o.escape);
  sql += fmt::format(", header={}", o.header);
  sql += ", encoding=" + DuckString(layout.encoding);
  sql += ", compression=" + DuckString(layout.gzip ? "gzip" : "none");
  sql += ", nullstr=" + StringListSql(o.null_values);
  sql += fmt::format(", strict_mode={}", o.strict);
  return sql;
}

// What DuckDB's sniffer found in the sample: columns and types, and the date and timestamp
// formats it recognised. From `columns` when the task gives them (nothing is sniffed).
struct Sniffed {
  char delimiter = 0;  // when weir did not know it (UTF-16)
  std::vector<ColumnInfo> columns;
  std::string date_format, timestamp_format;
  int64_t skip_rows = 0;
};

Result<Sniffed> Sniff(DuckConnection& con, const Options& o, const CsvLayout& layout,
                      int64_t sample_size) {
  Sniffed out;
  if (!o.columns.is_null()) {
    out.columns = TRY(ColumnsFromJson(o.columns));
    for (auto& c : out.columns) {
      if (c.type.empty()) c.type = "VARCHAR";
    }
    return out;
  }
  DuckRows rows =
      TRY(con.Query(fmt::format("SELECT to_json(s) FROM sniff_csv({}, sample_size={}) s",
                                CsvOptionsSql(o, layout), sample_size),
                    "reading the CSV"));
  std::optional<std::string> sniffed;
  if (!rows.rows.empty() && !rows.rows[0].empty()) sniffed = std::move(rows.rows[0][0]);
  if (!sniffed) {
    return Err(ErrorCode::kInternal, "reading the CSV: DuckDB's sniffer returned nothing");
  }
  Json j = TRY(ParseJson(*sniffed, "sniff_csv"));
  for (const Json& c : j.value("Columns", Json::array())) {
    out.columns.push_back(ColumnInfo{c.value("name", ""), c.value("type", "VARCHAR")});
  }
  if (j.contains("DateFormat") && j["DateFormat"].is_string()) {
    out.date_format = j["DateFormat"].get<std::string>();
  }
  if (j.contains("TimestampFormat") && j["TimestampFormat"].is_string()) {
    out.timestamp_format = j["TimestampFormat"].get<std::string>();
  }
  out.skip_rows = j.value("SkipRows", int64_t{0});
  std::string delimiter = j.value("Delimiter", "");
  if (layout.delimiter == 0 && delimiter.size() == 1) out.delimiter = delimiter[0];
  for (const auto& [name, type] : o.types) {
    auto it = std::find_if(out.columns.begin(), out.columns.end(),
                           [&](const ColumnInfo& c) { return c.name == name; });
    if (it == out.columns.end()) {
      return Err(ErrorCode::kInvalidArgument, "types: the file has no column named '{}'", name);
    }
    it->type = type;
  }
  return out;
}

// read_csv with everything explicit, so nothing is sniffed again; `read_as` overrides the
// type of some columns.
std::string ReadCsvSql(const Options& o, const CsvLayout& layout, const Sniffed& sniffed,
                       const std::map<std::string, std::string>& read_as) {
  std::string sql = "read_csv(" + CsvOptionsSql(o, layout) + ", auto_detect=false";
  if (sniffed.delimiter != 0) sql += ", delim=" + DuckString(std::string(1, sniffed.delimiter));
  if (sniffed.skip_rows > 0) sql += fmt::format(", skip={}", sniffed.skip_rows);
  if (!sniffed.date_format.empty()) sql += ", dateformat=" + DuckString(sniffed.date_format);
  if (!sniffed.timestamp_format.empty()) {
    sql += ", timestampformat=" + DuckString(sniffed.timestamp_format);
  }
  sql += ", columns={";
  for (size_t i = 0; i < sniffed.columns.size(); ++i) {
    const ColumnInfo& c = sniffed.columns[i];
    auto over = read_as.find(c.name);
    sql += (i ? ", " : "") + DuckString(c.name) + ": " +
           DuckString(over != read_as.end() ? over->second : c.type);
  }
  return sql + "})";
}

struct Plan {
  std::vector<ColumnInfo> columns;             // as read
  std::map<std::string, std::string> formats;  // text column -> timestamp format
  std::set<std::string> integers;              // integer columns read as text, cast checked
  std::set<std::string> empty;                 // text columns without a value (SelectSql)
};

bool IsIntegerType(const std::string& type) {
  static const std::set<std::string> kIntegers = {"TINYINT",   "SMALLINT", "INTEGER",
                                                  "BIGINT",    "HUGEINT",  "UTINYINT",
                                                  "USMALLINT", "UINTEGER", "UBIGINT"};
  return kIntegers.count(type) > 0;
}

// The columns as DuckDB's sniffer reads them, and the timestamp format of each text column
// whose every non-null value in the sample parses with one of the formats. Creates the view
// `src` that the conversion reads. Integer columns are read as text and cast with a check:
// DuckDB would round a "3.5" met after the sampled rows into 4, silently.
Result<Plan> PlanColumns(DuckConnection& con, const Options& o, const CsvLayout& layout,
                         int64_t sample_size) {
  Plan plan;
  Sniffed sniffed = TRY(Sniff(con, o, layout, sample_size));
  std::vector<std::string> text;
  std::map<std::string, std::string> read_as;
  for (const ColumnInfo& c : sniffed.columns) {
    plan.columns.push_back(c);
    bool explicit_type = o.types.count(c.name) > 0 || !o.columns.is_null();
    if (explicit_type) continue;
    if (c.type == "VARCHAR") text.push_back(c.name);
    if (IsIntegerType(c.type)) {
      plan.integers.insert(c.name);
      read_as[c.name] = "VARCHAR";
    }
  }
  TRY(con.Execute("CREATE VIEW src AS SELECT * FROM " + ReadCsvSql(o, layout, sniffed, read_as),
                  "reading the CSV"));
  if (text.empty()) return plan;
  // The sample of the text columns, kept in memory; formats are tried on its first rows, and
  // the ones that fit them all are checked on the whole sample (failing parses are not
  // free: trying every format on every sampled value would cost more than the conversion's
  // reading of a small file).
  std::string columns;
  for (const auto& name : text) columns += (columns.empty() ? "" : ", ") + Ident(name);
  int64_t limit = sample_size > 0 ? sample_size : 100000;
  TRY(con.Execute(
      fmt::format("CREATE TEMP TABLE text_sample AS SELECT {} FROM src LIMIT {}", columns, limit),
      "reading the CSV"));
  // Text columns without a value in the sample (with sample_size -1, in the whole file): the
  // sniffer's VARCHAR says nothing about them. Not for a file without rows.
  std::string counts = "count(*)";
  for (const auto& name : text) counts += fmt::format(", count({})", Ident(name));
  std::string from = sample_size > 0 ? "text_sample" : "src";
  DuckRows counted = TRY(con.Query("SELECT " + counts + " FROM " + from, "reading the CSV"));
  if (!counted.rows.empty() && counted.rows[0].size() == text.size() + 1 &&
      counted.rows[0][0].value_or("0") != "0") {
    for (size_t c = 0; c < text.size(); ++c) {
      if (counted.rows[0][c + 1].value_or("0") == "0") plan.empty.insert(text[c]);
    }
  }
  if (o.timestamp_formats.empty()) return plan;
  auto fitting = [&](const std::vector<std::vector<std::string>>& candidates,
                     std::string_view from) -> Result<std::vector<std::vector<std::string>>> {
    std::string sql = "SELECT ";
    for (size_t c = 0; c < text.size(); ++c) {
      sql += (c ? ", " : "") + fmt::format("count({})", Ident(text[c]));
      for (const auto& f : candidates[c]) {
        sql += fmt::format(", count(try_strptime({}, {}))", Ident(text[c]), DuckString(f));
      }
    }
    DuckRows counts = TRY(con.Query(sql + " FROM " + std::string(from), "reading the CSV"));
    std::vector<std::vector<std::string>> out(text.size());
    if (counts.rows.empty()) return out;
    size_t at = 0;
    for (size_t c = 0; c < text.size(); ++c) {
      std::string values = counts.rows[0][at++].value_or("0");
      for (const auto& f : candidates[c]) {
        if (values != "0" && counts.rows[0][at].value_or("") == values) out[c].push_back(f);
        ++at;
      }
    }
    return out;
  };
  std::vector<std::vector<std::string>> all(text.size(), o.timestamp_formats);
  auto first = TRY(fitting(all, "(SELECT * FROM text_sample LIMIT 200)"));
  auto checked = TRY(fitting(first, "text_sample"));
  for (size_t c = 0; c < text.size(); ++c) {
    if (!checked[c].empty()) plan.formats[text[c]] = checked[c].front();
  }
  return plan;
}

bool HasTime(const std::string& format) {
  return format.find("%H") != std::string::npos || format.find("%I") != std::string::npos;
}

std::string SelectSql(const Plan& plan) {
  std::string sql = "SELECT ";
  for (size_t i = 0; i < plan.columns.size(); ++i) {
    const std::string& name = plan.columns[i].name;
    std::string id = Ident(name);
    auto f = plan.formats.find(name);
    if (i) sql += ", ";
    if (plan.empty.count(name)) {
      // A column without a value is written as DuckDB writes NULLs, INTEGER, which a table
      // over several files (union_by_name) widens to the type the others have; VARCHAR would
      // turn their numbers into text. A value after the sample makes the conversion start
      // over with the whole file sampled (worded as a failed cast for that).
      sql += fmt::format(
          "CASE WHEN {0} IS NULL THEN NULL::INTEGER ELSE error('Could not convert string ''' || "
          "{0} || ''' to INTEGER in column ' || {1} || ': a value in a column that had none in "
          "the sampled rows') END AS {0}",
          id, DuckString(name));
    } else if (plan.integers.count(name)) {
      // Worded as DuckDB words a failed cast, so that the retry with the whole file applies.
      sql += fmt::format(
          "CASE WHEN NOT contains({0}, '.') THEN {0}::{1} ELSE error('Could not convert string "
          "''' || {0} || ''' to {1} in column ' || {2} || ': a value with a fraction') END AS "
          "{0}",
          id, plan.columns[i].type, DuckString(name));
    } else if (f == plan.formats.end()) {
      sql += id;
    } else if (HasTime(f->second)) {
      sql += fmt::format("strptime({0}, {1}) AS {0}", id, DuckString(f->second));
    } else {
      sql += fmt::format("strptime({0}, {1})::DATE AS {0}", id, DuckString(f->second));
    }
  }
  return sql + " FROM src";
}

std::string CompressionSql(const std::string& c) { return c == "none" ? "uncompressed" : c; }

struct Converted {
  int64_t rows = 0;
  Plan plan;
};

// One conversion attempt with the given sample size; DuckDB's error comes back unchanged.
Result<Converted> Convert(const Options& o, const CsvLayout& layout, const NativeContext& ctx,
                          const std::string& temp, int64_t sample_size) {
  auto started = std::chrono::steady_clock::now();
  auto db = TRY(DuckDatabase::Open("", ctx.duck));
  auto con = TRY(db->Connect());
  Converted out;
  out.plan = TRY(PlanColumns(con, o, layout, sample_size));
  for (const auto& [name, format] : out.plan.formats) {
    fmt::print("[weir] column {}: text read as {} with format {}\n", name,
               HasTime(format) ? "TIMESTAMP" : "DATE", format);
  }
  for (const auto& name : out.plan.empty) {
    fmt::print("[weir] column {}: no value in {}: written as INTEGER NULLs\n", name,
               sample_size > 0 ? "the sampled rows" : "the file");
  }
  fmt::print("[weir] types inferred from {} rows in {:.2f}s\n",
             sample_size > 0 ? std::to_string(sample_size) : "all",
             std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  std::fflush(stdout);
  std::string copy = fmt::format(
      "COPY ({}) TO {} (FORMAT parquet, COMPRESSION {}, "
      "ROW_GROUP_SIZE {})",
      SelectSql(out.plan), DuckString(temp), CompressionSql(o.compression), o.row_group_size);
  DuckRows counted = TRY(con.Query(copy, "converting"));
  if (!counted.rows.empty() && !counted.rows[0].empty()) {
    if (const auto& count = counted.rows[0][0]) out.rows = std::stoll(*count);
  }
  return out;
}

// A value DuckDB's sniffer did not see in its sample breaks the types it chose.
bool IsTypeError(const std::string& message) {
  return message.find("Could not convert") != std::string::npos ||
         message.find("Could not parse string") != std::string::npos ||
         message.find("Conversion Error") != std::string::npos;
}

void CopySidecar(const std::string& input, const std::string& output) {
  std::error_code ec;
  fs::path from(input + ".weir-source.json");
  if (!fs::exists(from, ec)) return;
  fs::copy_file(from, output + ".weir-source.json", fs::copy_options::overwrite_existing, ec);
}

}  // namespace

CsvToParquetOperator::CsvToParquetOperator() {
  schema_.name = "csv_to_parquet";
  schema_.description =
      "Converts a CSV or CSV.gz file to Parquet with DuckDB, inferring types (or taking them "
      "from `columns`/`types`).";
  schema_.args = {
      {"input", ArgType::kString, true, Json(),
       "The CSV file (plain or gzip); relative paths are relative to the task's work folder."},
      {"output", ArgType::kString, false, Json(),
       "The Parquet file to write; default: the input's name with .parquet for .csv(.gz), in "
       "the task's work folder."},
      {"header", ArgType::kBoolean, false, Json(true), "The first line holds column names."},
      {"delimiter", ArgType::kString, false, Json(),
       "One character (or \\t); default: the most frequent of , tab ; | in the first line."},
      {"quote", ArgType::kString, false, Json("\""), "The quote character."},
      {"escape", ArgType::kString, false, Json(),
       "The escape character inside quotes; default: the quote (doubled quotes)."},
      {"encoding", ArgType::kString, false, Json(),
       "utf-8, utf-8-sig, latin-1 or utf-16; default: utf-16 when the file starts with its "
       "byte order mark, else utf-8."},
      {"null_values", ArgType::kList, false, Json::array({""}),
       "Field values read as NULL, for every column (e.g. [\"\", \"-\", \"NA\"])."},
      {"columns", ArgType::kList, false, Json(),
       "The whole schema in file order, [{name, type}] with DuckDB types; turns inference "
       "off. The names replace the header's."},
      {"types", ArgType::kMap, false, Json(),
       "Types for some columns by name (e.g. {store_and_fwd_flag: VARCHAR}); the rest are "
       "inferred."},
      {"timestamp_formats", ArgType::kList, false, Json(),
       "strptime formats tried on text columns that DuckDB did not type; a column becomes a "
       "TIMESTAMP (or DATE) when every sampled value parses with one. Default: US, Excel, "
       "12-hour and day-first forms (see docs)."},
      {"compression", ArgType::kString, false, Json("zstd"), "zstd, snappy, gzip or none."},
      {"row_group_size", ArgType::kInteger, false, Json(122880), "Rows per Parquet row group."},
      {"sample_size", ArgType::kInteger, false, Json(20480),
       "Rows sampled to infer types; -1 reads the whole file. When a later value does not fit, "
       "the conversion is redone once with the whole file sampled."},
      {"allow_empty", ArgType::kBoolean, false, Json(false),
       "Succeed with a 0-row Parquet file when the CSV has a header but no rows (default: "
       "fail)."},
  };
}

Result<Json> CsvToParquetOperator::Run(const Json& args, const NativeContext& ctx) const {
  Options o = TRY(ParseOptions(args, ctx));
  CsvLayout layout = TRY_CONTEXT(InspectCsv(o.input, o.hints), "csv_to_parquet");
  fmt::print("[weir] {}: {}{}, {}, delimiter {}\n", o.input,
             FormatBytes(static_cast<int64_t>(layout.size)), layout.gzip ? " gzip" : "",
             layout.encoding,
             layout.delimiter == '\t' ? "tab"
             : layout.delimiter == 0  ? "(DuckDB's sniffer decides)"
                                      : std::string(1, layout.delimiter));
  std::fflush(stdout);

  // A gzip file is read to its end by zlib alongside DuckDB: DuckDB takes a file cut at a
  // line boundary for a whole one.
  std::future<Status> gzip_check;
  if (layout.gzip) {
    gzip_check = std::async(std::launch::async, [path = o.input] { return CheckGzipIntact(path); });
  }
  std::error_code dir_error;
  fs::path parent = fs::absolute(o.output, dir_error).parent_path();
  fs::create_directories(parent, dir_error);
  std::string temp = fmt::format("{}.weir-tmp-{}", o.output, getpid());
  auto started = std::chrono::steady_clock::now();
  // Once with the sample, and once more with the whole file when a later value does not fit.
  auto convert = [&]() {
    auto out = Convert(o, layout, ctx, temp, o.sample_size);
    if (!out && o.sample_size != -1 && IsTypeError(out.error().message)) {
      fmt::print(
          "[weir] a value after the first {} rows does not fit the inferred types ({}); "
          "inferring them again from the whole file\n",
          o.sample_size, ShortDuckError(out.error().message));
      std::fflush(stdout);
      out = Convert(o, layout, ctx, temp, -1);
    }
    return out;
  };
  auto converted = convert();
  // When DuckDB cannot read the file, a scan says whether it is damaged or only has mixed
  // line endings, which DuckDB's strict mode refuses: every record checked, the file is read
  // again without it.
  std::optional<CsvScan> scan;
  if (!converted && !IsTypeError(converted.error().message)) {
    scan = ScanCsv(o.input, layout, o.hints.quote, EscapeChar(o), o.header);
    if (!scan->problem && scan->MixedLineEndings()) {
      fmt::print(
          "[weir] {}: mixed line endings ({}), which DuckDB's strict mode refuses; every record "
          "has the same {} fields, so it is read again without strict mode\n",
          o.input, scan->DescribeLineEndings(), layout.header_fields);
      std::fflush(stdout);
      o.strict = false;
      converted = convert();
    }
  }
  Status intact = gzip_check.valid() ? gzip_check.get() : Status();
  auto fail = [&](std::string message) -> Result<Json> {
    std::error_code ec;
    fs::remove(temp, ec);
    return Err(ErrorCode::kInvalidArgument, "csv_to_parquet: {}", message);
  };
  if (!intact) return fail(intact.error().message);
  if (!converted) {
    // Say where the file breaks when the scan can tell; else what DuckDB's error means.
    if (scan && scan->problem) {
      return fail(
          fmt::format("{}: {} (a ragged row: the file is damaged, or quoted otherwise than "
                      "`quote`/`escape` say); check the source",
                      o.input, *scan->problem));
    }
    return fail(ExplainCsvError(converted.error().message, Reading(o, layout)));
  }
  if (converted->rows == 0 && !o.allow_empty) {
    return fail(
        fmt::format("{} has {} but no data rows; set allow_empty: true if that is "
                    "expected",
                    o.input, o.header ? "a header" : "no lines"));
  }
  std::error_code ec;
  fs::rename(temp, o.output, ec);
  if (ec)
    return fail(fmt::format("cannot move the output into place at {}: {}", o.output, ec.message()));
  CopySidecar(o.input, o.output);
  int64_t bytes = static_cast<int64_t>(fs::file_size(o.output, ec));
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  fmt::print("[weir] wrote {} rows, {} columns to {} ({}, {}) in {:.2f}s\n", converted->rows,
             converted->plan.columns.size(), o.output, FormatBytes(bytes), o.compression, secs);

  // The schema as written (timestamp columns parsed from text are TIMESTAMP/DATE now).
  std::vector<ColumnInfo> written = converted->plan.columns;
  for (auto& c : written) {
    auto f = converted->plan.formats.find(c.name);
    if (f != converted->plan.formats.end()) c.type = HasTime(f->second) ? "TIMESTAMP" : "DATE";
    if (converted->plan.empty.count(c.name)) {
      c.type = "INTEGER";
      c.empty = true;
    }
  }
  Json formats = Json::object();
  for (const auto& [name, format] : converted->plan.formats) formats[name] = format;
  return Json{{"path", o.output},
              {"rows", converted->rows},
              {"bytes", bytes},
              {"columns", ColumnsToJson(written)},
              {"compression", o.compression},
              {"row_group_size", o.row_group_size},
              {"timestamp_formats", formats},
              {"input", o.input}};
}

}  // namespace weir
