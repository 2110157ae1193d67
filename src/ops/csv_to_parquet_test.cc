#include "ops/csv_to_parquet.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "duck/duck.h"
#include "env/temp_dir.h"
#include "ops/csv_errors.h"
#include "ops/csv_inspect.h"

namespace weir {
namespace {

namespace fs = std::filesystem;

std::string Fixture(const std::string& name) {
  return std::string(WEIR_SOURCE_DIR) + "/tests/fixtures/" + name;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Gzip(const std::string& data) {
  uLongf size = compressBound(static_cast<uLong>(data.size())) + 32;
  std::string out(size, '\0');
  z_stream z{};
  deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

class CsvToParquetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir_.Join("work"));
    ctx_.work_dir = dir_.Join("work");
    ctx_.duck.threads = 2;
  }
  std::string Write(const std::string& name, const std::string& data) {
    std::ofstream(dir_.Join("work/" + name), std::ios::binary) << data;
    return dir_.Join("work/" + name);
  }
  // Runs one query over the output with a separate DuckDB.
  DuckRows Read(const std::string& sql) {
    auto db = DuckDatabase::Open("").value();
    auto con = db->Connect().value();
    auto rows = con.Query(sql);
    EXPECT_TRUE(rows.has_value()) << rows.error().message;
    return rows.value_or(DuckRows{});
  }
  std::string One(const std::string& sql) { return Read(sql).rows.at(0).at(0).value_or("NULL"); }
  // The output's column types, in order: "name TYPE, ...".
  std::string Types(const std::string& parquet) {
    DuckRows d = Read("DESCRIBE SELECT * FROM read_parquet(" + DuckString(parquet) + ")");
    std::string out;
    for (const auto& r : d.rows) out += (out.empty() ? "" : ", ") + *r[0] + " " + *r[1];
    return out;
  }
  // The work folder holds exactly these names (no temp files left behind).
  std::vector<std::string> WorkFiles() {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_.Join("work"))) {
      names.push_back(e.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }
  Result<Json> Run(const Json& args) { return op_.Run(args, ctx_); }
  std::string Error(const Json& args) {
    auto r = Run(args);
    EXPECT_FALSE(r.has_value());
    return r ? std::string() : r.error().message;
  }

  TempDir dir_;
  NativeContext ctx_;
  CsvToParquetOperator op_;
};

TEST_F(CsvToParquetTest, TwelveHourQuotedTimestampsAndDashNullsBecomeTypedColumns) {
  fs::copy_file(Fixture("tlc/yellow_tripdata_2018-01_ampm_dash_nulls_airport_fee.csv"),
                dir_.Join("work/jan.csv"));
  Write("jan.csv.weir-source.json", R"({"source_url": "http://127.0.0.1:1/jan.csv"})");
  Json r = Run({{"input", "jan.csv"}, {"null_values", {"", "-"}}}).value();
  EXPECT_EQ(r["rows"], 1000);  // CRLF, no newline after the last row
  EXPECT_EQ(r["path"], dir_.Join("work/jan.parquet"));
  EXPECT_EQ(r["columns"].size(), 19u);
  EXPECT_EQ(r["timestamp_formats"]["tpep_pickup_datetime"], "%m/%d/%Y, %I:%M:%S %p");
  std::string out = dir_.Join("work/jan.parquet");
  EXPECT_EQ(One("SELECT tpep_pickup_datetime::VARCHAR FROM read_parquet(" + DuckString(out) +
                ") LIMIT 1"),
            "2018-01-01 02:21:05");
  EXPECT_EQ(One("SELECT count(congestion_surcharge) + count(airport_fee) FROM read_parquet(" +
                DuckString(out) + ")"),
            "0");
  EXPECT_NE(Types(out).find("tpep_dropoff_datetime TIMESTAMP"), std::string::npos);
  // The source lineage travels with the file, for lake_put.
  EXPECT_EQ(ReadAll(out + ".weir-source.json"), R"({"source_url": "http://127.0.0.1:1/jan.csv"})");
  EXPECT_EQ(WorkFiles(), (std::vector<std::string>{"jan.csv", "jan.csv.weir-source.json",
                                                   "jan.parquet", "jan.parquet.weir-source.json"}));
}

TEST_F(CsvToParquetTest, ExcelDatesInAGzipFileWithSnappy) {
  std::string csv = ReadAll(Fixture("tlc/yellow_tripdata_2019-01_excel_dates.csv"));
  Write("y.csv.gz", Gzip(csv));
  Json r = Run({{"input", "y.csv.gz"}, {"compression", "snappy"}}).value();
  EXPECT_EQ(r["rows"], 5882);
  EXPECT_EQ(r["path"], dir_.Join("work/y.parquet"));
  std::string out = DuckString(dir_.Join("work/y.parquet"));
  EXPECT_EQ(One("SELECT tpep_pickup_datetime::VARCHAR FROM read_parquet(" + out + ") LIMIT 1"),
            "2019-01-01 00:46:00");
  EXPECT_EQ(One("SELECT DISTINCT compression FROM parquet_metadata(" + out + ")"), "SNAPPY");
  // congestion_surcharge is empty in every row: a nullable column, all null.
  EXPECT_EQ(One("SELECT count(congestion_surcharge) FROM read_parquet(" + out + ")"), "0");
}

TEST_F(CsvToParquetTest, InfersNullableIntegersLeadingDotDecimalsAndZstdRowGroups) {
  std::string csv = "id,distance,note\n";
  for (int i = 0; i < 10000; ++i) {
    csv +=
        (i % 7 == 0 ? std::string() : std::to_string(i)) + ",." + std::to_string(i % 10) + ",x\n";
  }
  Write("n.csv", csv);
  Json r = Run({{"input", "n.csv"}, {"output", "sub/n.parquet"}, {"row_group_size", 2048}}).value();
  std::string out = dir_.Join("work/sub/n.parquet");
  EXPECT_EQ(r["path"], out);
  EXPECT_EQ(Types(out), "id BIGINT, distance DOUBLE, note VARCHAR");
  EXPECT_EQ(One("SELECT count(*) - count(id) FROM read_parquet(" + DuckString(out) + ")"), "1429");
  EXPECT_EQ(One("SELECT sum(distance)::DECIMAL(10,1)::VARCHAR FROM read_parquet(" +
                DuckString(out) + ")"),
            "4500.0");
  EXPECT_GE(std::stoi(One("SELECT count(DISTINCT row_group_id) FROM parquet_metadata(" +
                          DuckString(out) + ")")),
            4);
  EXPECT_EQ(One("SELECT DISTINCT compression FROM parquet_metadata(" + DuckString(out) + ")"),
            "ZSTD");
}

TEST_F(CsvToParquetTest, ExplicitColumnsAndTypesOverrideInference) {
  Write("t.csv", "a;b;c\n1;2;2020-01-01\n3;4;2020-01-02\n");
  Json all = Run({{"input", "t.csv"},
                  {"columns",
                   {{{"name", "x"}, {"type", "VARCHAR"}},
                    {{"name", "y"}, {"type", "DOUBLE"}},
                    {{"name", "z"}, {"type", "DATE"}}}}})
                 .value();
  EXPECT_EQ(Types(all["path"]), "x VARCHAR, y DOUBLE, z DATE");
  EXPECT_EQ(all["rows"], 2);
  Json some =
      Run({{"input", "t.csv"}, {"output", "u.parquet"}, {"types", {{"a", "VARCHAR"}}}}).value();
  EXPECT_EQ(Types(some["path"]), "a VARCHAR, b BIGINT, c DATE");
}

TEST_F(CsvToParquetTest, Latin1AndUtf16Encodings) {
  fs::copy_file(Fixture("csv/messytables_spanish_chars.csv"), dir_.Join("work/es.csv"));
  std::string wrong = Error({{"input", "es.csv"}});
  EXPECT_NE(wrong.find("es.csv"), std::string::npos) << wrong;
  EXPECT_FALSE(fs::exists(dir_.Join("work/es.parquet")));
  Json es = Run({{"input", "es.csv"}, {"encoding", "latin-1"}}).value();
  EXPECT_EQ(es["rows"], 116);
  // Latin-1 text comes out as UTF-8.
  EXPECT_NE(One("SELECT string_agg(DISTINCT F, '|') FROM read_parquet(" +
                DuckString(es["path"].get<std::string>()) + ")")
                .find("\xc3\xb3"),  // ó
            std::string::npos);

  fs::copy_file(Fixture("csv/messytables_utf-16le_encoded.csv"), dir_.Join("work/nhs.csv"));
  Json nhs = Run({{"input", "nhs.csv"}}).value();  // the BOM says UTF-16
  EXPECT_EQ(nhs["rows"], 327);
  EXPECT_EQ(nhs["columns"][0]["name"], "Organisation_code");
}

TEST_F(CsvToParquetTest, AUtf16FileWithSemicolonsIsSplitOnThem) {
  // "a;b\n1;x\n2;y\n" in UTF-16LE with its byte order mark.
  std::string text = "a;b\n1;x\n2;y\n", utf16 = "\xff\xfe";
  for (char c : text) utf16 += std::string{c, '\0'};
  Write("w.csv", utf16);
  Json r = Run({{"input", "w.csv"}}).value();
  EXPECT_EQ(r["rows"], 2);
  EXPECT_EQ(Types(r["path"]), "a BIGINT, b VARCHAR");
}

TEST_F(CsvToParquetTest, AValueBeyondTheSampleThatBreaksATypeIsReadAgainWithTheWholeFile) {
  std::string csv = "n\n";
  for (int i = 0; i < 30000; ++i) csv += std::to_string(i) + "\n";
  csv += "3.5\n";
  Write("late.csv", csv);
  Json r = Run({{"input", "late.csv"}}).value();
  EXPECT_EQ(r["rows"], 30001);
  EXPECT_EQ(Types(r["path"]), "n DOUBLE");
  EXPECT_EQ(One("SELECT count(*) FROM read_parquet(" + DuckString(r["path"].get<std::string>()) +
                ") WHERE n = 3.5"),
            "1");
}

TEST_F(CsvToParquetTest, InputThatIsNotCsvSaysWhatItIs) {
  Write("page.csv", "<!DOCTYPE html><html><body>Rate limit exceeded</body></html>");
  std::string html = Error({{"input", "page.csv"}});
  EXPECT_NE(html.find("not CSV: it looks like an HTML page"), std::string::npos) << html;
  EXPECT_NE(html.find("<!DOCTYPE html><html>"), std::string::npos) << html;

  Write("err.csv.gz",
        Gzip("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code></Error>"));
  std::string xml = Error({{"input", "err.csv.gz"}});
  EXPECT_NE(xml.find("an XML document"), std::string::npos) << xml;

  Write("bin.csv", std::string("\x01\x02\x00\x00\x7f\x45LF", 8));
  EXPECT_NE(Error({{"input", "bin.csv"}}).find("binary data"), std::string::npos);
  Write("empty.csv", "");
  EXPECT_NE(Error({{"input", "empty.csv"}}).find("is empty (0 bytes)"), std::string::npos);
  Write("header.csv", "a,b\n");
  EXPECT_NE(Error({{"input", "header.csv"}}).find("no data rows"), std::string::npos);
  Json ok = Run({{"input", "header.csv"}, {"allow_empty", true}}).value();
  EXPECT_EQ(ok["rows"], 0);
  EXPECT_EQ(WorkFiles(), (std::vector<std::string>{"bin.csv", "empty.csv", "err.csv.gz",
                                                   "header.csv", "header.parquet", "page.csv"}));
}

TEST_F(CsvToParquetTest, ATruncatedGzipFailsEvenWhenCutAtALineBoundary) {
  std::string csv = ReadAll(Fixture("tlc/yellow_tripdata_2018-12_no_congestion.csv"));
  std::string gz = Gzip(csv);
  Write("half.csv.gz", gz.substr(0, gz.size() / 2));
  std::string half = Error({{"input", "half.csv.gz"}});
  EXPECT_NE(half.find("truncated or corrupt gzip"), std::string::npos) << half;

  // A gzip stream of whole lines with its end cut off: DuckDB alone reads it as complete.
  std::string lines = csv.substr(0, csv.find('\n', csv.size() / 2) + 1);
  std::string whole = Gzip(lines);
  Write("cut.csv.gz", whole.substr(0, whole.size() - 8));  // without the gzip trailer
  std::string cut = Error({{"input", "cut.csv.gz"}});
  EXPECT_NE(cut.find("truncated or corrupt gzip"), std::string::npos) << cut;
  EXPECT_FALSE(fs::exists(dir_.Join("work/half.parquet")));
  EXPECT_FALSE(fs::exists(dir_.Join("work/cut.parquet")));
  EXPECT_EQ(WorkFiles(), (std::vector<std::string>{"cut.csv.gz", "half.csv.gz"}));
}

TEST_F(CsvToParquetTest, RaggedRowsNameTheLine) {
  std::string csv = "a,b,c\n";
  for (int i = 0; i < 10; ++i) csv += "1,\"x,y\",3\n";
  csv += "1,2,3,4,5\n";  // line 12
  csv += "1,2,3\n";
  Write("r.csv", csv);
  std::string e = Error({{"input", "r.csv"}});
  EXPECT_NE(e.find("line 12 has 5 fields where the header (line 1) has 3"), std::string::npos) << e;
  EXPECT_FALSE(fs::exists(dir_.Join("work/r.parquet")));
}

TEST_F(CsvToParquetTest, AColumnWithoutValuesIsNotText) {
  // 2019-01's congestion_surcharge is empty in every row: VARCHAR would make a table over
  // the months (union_by_name) read every month's surcharge as text.
  fs::copy_file(Fixture("tlc/yellow_tripdata_2019-01_excel_dates.csv"), dir_.Join("work/j.csv"));
  Json r = Run({{"input", "j.csv"}}).value();
  EXPECT_EQ(r["columns"][17],
            (Json{{"name", "congestion_surcharge"}, {"type", "INTEGER"}, {"empty", true}}));
  EXPECT_NE(Types(r["path"]).find("congestion_surcharge INTEGER"), std::string::npos);
  // Empty in the sample only: read again with the whole file, and typed by its values.
  std::string csv = "n,late\n";
  for (int i = 0; i < 30000; ++i) csv += std::to_string(i) + ",\n";
  csv += "1,2.5\n";
  Write("late.csv", csv);
  Json late = Run({{"input", "late.csv"}}).value();
  EXPECT_EQ(late["rows"], 30001);
  EXPECT_EQ(Types(late["path"]), "n BIGINT, late DOUBLE");
}

TEST_F(CsvToParquetTest, DoubledQuotesAfterManyPlainRowsAreRFC4180Escapes) {
  // The TLC's fhv_bases.csv: 1083 rows without a quote inside a quoted field, then
  // "BIG ""O"" LIMO CORP". DuckDB, not told the escape, read it as an unterminated quote.
  fs::copy_file(Fixture("csv/fhv_bases.csv"), dir_.Join("work/bases.csv"));
  Json r = Run({{"input", "bases.csv"}}).value();
  EXPECT_EQ(r["rows"], 1097);
  std::string out = DuckString(r["path"].get<std::string>());
  EXPECT_EQ(One("SELECT base_name FROM read_parquet(" + out + ") WHERE base_number = 'B03231'"),
            "BIG \"O\" LIMO CORP");
  // A backslash-escaped file reads with `escape`.
  Write("b.csv", "id,text\n1,\"say \\\"hi\\\", then go\"\n2,plain\n");
  Json b = Run({{"input", "b.csv"}, {"escape", "\\"}}).value();
  EXPECT_EQ(b["rows"], 2);
  EXPECT_EQ(One("SELECT text FROM read_parquet(" + DuckString(b["path"].get<std::string>()) +
                ") WHERE id = 1"),
            "say \"hi\", then go");
}

TEST_F(CsvToParquetTest, MixedLineEndingsAreReadAfterEveryRecordIsChecked) {
  // A header ending in LF over rows in CRLF; and CRLF rows whose last ends in LF (the Great
  // Expectations taxi samples). DuckDB's strict mode refuses both.
  std::string rows;
  for (int i = 0; i < 50; ++i) rows += std::to_string(i) + ",\"x, " + std::to_string(i) + "\"\r\n";
  Write("lf_header.csv", "n,label\n" + rows);
  Json a = Run({{"input", "lf_header.csv"}}).value();
  EXPECT_EQ(a["rows"], 50);
  EXPECT_EQ(Types(a["path"]), "n BIGINT, label VARCHAR");
  EXPECT_EQ(One("SELECT label FROM read_parquet(" + DuckString(a["path"].get<std::string>()) +
                ") WHERE n = 49"),
            "x, 49");
  Write("lf_last.csv", "n,label\r\n" + rows + "50,y\n");
  Json b = Run({{"input", "lf_last.csv"}}).value();
  EXPECT_EQ(b["rows"], 51);
  // Mixed line endings and a ragged row: the ragged row is named, nothing is written.
  Write("both.csv", "n,label\n" + rows + "1,2,3\r\n");
  std::string e = Error({{"input", "both.csv"}});
  EXPECT_NE(e.find("line 52 has 3 fields where the header (line 1) has 2"), std::string::npos) << e;
  EXPECT_FALSE(fs::exists(dir_.Join("work/both.parquet")));
}

TEST_F(CsvToParquetTest, DuckDBErrorsComeWithWhatIsWrongAndWhichArgumentHelps) {
  // Not UTF-8: the line, and the `encoding` argument.
  Write("l.csv", "a,b\n1,caf\xe9\n");
  std::string latin = Error({{"input", "l.csv"}});
  EXPECT_NE(latin.find("are not valid utf-8"), std::string::npos) << latin;
  EXPECT_NE(latin.find("set `encoding`"), std::string::npos) << latin;
  EXPECT_NE(latin.find("(DuckDB: "), std::string::npos) << latin;
  // A type you gave that a value does not fit: the column, and `types`.
  Write("t.csv", "n,m\n1,2\nx,3\n");
  std::string typed = Error({{"input", "t.csv"}, {"types", {{"n", "INTEGER"}}}});
  EXPECT_NE(typed.find("does not fit the type of column n"), std::string::npos) << typed;
  EXPECT_NE(typed.find("line 3"), std::string::npos) << typed;
  EXPECT_NE(typed.find("`types`"), std::string::npos) << typed;
  EXPECT_EQ(typed.find("Possible"), std::string::npos) << typed;
}

TEST(CsvErrorsTest, TheSnifferDumpBecomesASentenceNamingTheArguments) {
  std::string dump =
      "reading the CSV: Invalid Input Error: Error when sniffing file \"/x/y.csv\".\n"
      "It was not possible to automatically detect the CSV parsing dialect\n"
      "The search space used was:\nDelimiter Candidates: ','\nQuote/Escape Candidates: "
      "['\"','\"']\nComment Candidates: '\\0', '#'\nEncoding: utf-8\nPossible fixes:\n* Set "
      "delimiter (e.g., delim=',')\n";
  std::string e = ExplainCsvError(
      dump, CsvReading{.input = "/x/y.csv", .encoding = "utf-8", .sample_size = 20480});
  EXPECT_NE(e.find("/x/y.csv: DuckDB's sniffer found no way to split the first 20480 rows"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("`delimiter`, `quote`, `escape` and `header`"), std::string::npos) << e;
  EXPECT_EQ(e.find("search space"), std::string::npos) << e;
  EXPECT_EQ(e.find("delim="), std::string::npos) << e;
  std::string quote = ExplainCsvError(
      "Invalid Input Error: CSV Error on Line: 1084\nOriginal Line: B03231,\"BIG \"\"O\"\"\n"
      "Value with unterminated quote found.\n\nPossible fixes:\n* Set quote",
      CsvReading{.input = "b.csv", .encoding = "utf-8"});
  EXPECT_NE(quote.find("b.csv: a quoted field at line 1084 does not end"), std::string::npos)
      << quote;
  EXPECT_NE(quote.find("`escape: \"\\\\\"`"), std::string::npos) << quote;
}

TEST(CsvScanTest, CountsLineEndsOutsideQuotesAndFindsTheFirstChange) {
  TempDir dir;
  std::string path = dir.Join("m.csv");
  std::ofstream(path, std::ios::binary) << "a,b\n1,\"x\r\ny\"\r\n2,3\r\n4,5\n";
  CsvLayout layout;
  CsvScan scan = ScanCsv(path, layout, '"', '"', true);
  EXPECT_FALSE(scan.problem.has_value()) << *scan.problem;
  EXPECT_EQ(scan.records, 4);
  EXPECT_EQ(scan.crlf, 2);
  EXPECT_EQ(scan.lf, 2);
  EXPECT_TRUE(scan.MixedLineEndings());
  EXPECT_EQ(scan.DescribeLineEndings(),
            "2 lines end in CRLF, 2 in LF; line 1 ends in LF, line 3 in CRLF");
  // Classic Mac line ends, and a record cut short at the end of the file.
  std::ofstream(path, std::ios::binary) << "a,b\r1,2\r3";
  scan = ScanCsv(path, layout, '"', '"', true);
  EXPECT_EQ(scan.cr, 2);
  ASSERT_TRUE(scan.problem.has_value());
  EXPECT_NE(scan.problem->find("line 3, the last, has 1 fields"), std::string::npos)
      << *scan.problem;
  EXPECT_NE(scan.problem->find("cut short"), std::string::npos) << *scan.problem;
}

TEST_F(CsvToParquetTest, BadArgumentsAreRefused) {
  Write("a.csv", "a\n1\n");
  EXPECT_NE(Error({{"input", "a.csv"}, {"compression", "lz5"}}).find("compression 'lz5'"),
            std::string::npos);
  EXPECT_NE(Error({{"input", "a.csv"}, {"encoding", "ebcdic"}}).find("encoding 'ebcdic'"),
            std::string::npos);
  EXPECT_NE(Error({{"input", "a.csv"}, {"output", "../x.parquet"}}).find("leaves"),
            std::string::npos);
  EXPECT_NE(Error({{"input", "missing.csv"}}).find("missing.csv"), std::string::npos);
}

}  // namespace
}  // namespace weir
