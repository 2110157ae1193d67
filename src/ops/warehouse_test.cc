// external_table and sql against a real DuckDB warehouse file and a real SQLite file.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "duck/duck.h"
#include "env/temp_dir.h"
#include "ops/external_table.h"
#include "ops/sql.h"

namespace weir {
namespace {

namespace fs = std::filesystem;

class WarehouseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ctx_.lake_uri = "file://" + dir_.Join("lake");
    ctx_.warehouse_path = dir_.Join("wh/warehouse.duckdb");
    ctx_.work_dir = dir_.Join("work");
    fs::create_directories(ctx_.work_dir);
  }
  // A month of `rows` rows in the lake, with `extra` more columns than the base two.
  void Month(const std::string& month, int rows, int extra) {
    std::string dir = dir_.Join("lake/raw/t/year=2019/month=" + month);
    fs::create_directories(dir);
    auto db = DuckDatabase::Open("").value();
    auto con = db->Connect().value();
    std::string select = "SELECT range AS id, range * 0.5 AS fare";
    for (int i = 0; i < extra; ++i) select += fmt::format(", 1.0 AS extra{}", i);
    ASSERT_TRUE(con.Execute(fmt::format("COPY ({} FROM range({})) TO {} (FORMAT parquet)", select,
                                        rows, DuckString(dir + "/m.parquet")))
                    .has_value());
  }
  DuckRows Query(const std::string& sql) {
    DuckOptions options;
    options.read_only = true;
    auto db = DuckDatabase::Open(ctx_.warehouse_path, options).value();
    auto con = db->Connect().value();
    auto rows = con.Query(sql);
    EXPECT_TRUE(rows.has_value()) << rows.error().message;
    return rows.value_or(DuckRows{});
  }
  TempDir dir_;
  NativeContext ctx_;
  ExternalTableOperator table_;
  SqlOperator sql_;
};

TEST_F(WarehouseTest, AViewOverHivePartitionsReadsMonthsWithDifferentColumnsAsOneTable) {
  Month("01", 5, 0);
  Month("02", 7, 1);
  Json r = table_.Run({{"table", "trips"}, {"source", "lake://raw/t/"}}, ctx_).value();
  EXPECT_EQ(r["files"], 2);
  EXPECT_EQ(r["rows"], 12);
  EXPECT_EQ(r["pattern"], dir_.Join("lake/raw/t/**/*.parquet"));
  DuckRows counted =
      Query("SELECT month, count(*), count(extra0) FROM trips GROUP BY month ORDER BY month");
  ASSERT_EQ(counted.rows.size(), 2u);
  EXPECT_EQ(*counted.rows[0][0], "01");  // zero-padded: text unless hive_types says
  EXPECT_EQ(*counted.rows[0][1], "5");
  EXPECT_EQ(*counted.rows[0][2], "0");  // month 01 has no extra0: NULL there
  EXPECT_EQ(*counted.rows[1][1], "7");
  EXPECT_EQ(*counted.rows[1][2], "7");
  std::vector<std::string> names;
  for (const auto& c : r["columns"]) names.push_back(c["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"id", "fare", "extra0", "month", "year"}));

  // A schema-qualified name, and a new month appears without re-running.
  ASSERT_TRUE(table_.Run(
      {{"table", "raw.trips"}, {"source", "lake://raw/t/"}, {"hive_types", {{"month", "INTEGER"}}}},
      ctx_));
  Month("03", 1, 0);
  EXPECT_EQ(*Query("SELECT count(*) FROM raw.trips").rows[0][0], "13");
  EXPECT_EQ(*Query("SELECT max(month) + 1 FROM raw.trips").rows[0][0], "4");
}

TEST_F(WarehouseTest, AFailedReplaceLeavesThePreviousTable) {
  Month("01", 5, 0);
  ASSERT_TRUE(table_.Run({{"table", "trips"}, {"source", "lake://raw/t/"}}, ctx_));
  auto none = table_.Run({{"table", "trips"}, {"source", "lake://raw/nothing/"}}, ctx_);
  ASSERT_FALSE(none.has_value());
  EXPECT_NE(none.error().message.find("no parquet files match"), std::string::npos)
      << none.error().message;
  EXPECT_NE(none.error().message.find("trips was not changed"), std::string::npos);

  fs::create_directories(dir_.Join("lake/raw/bad"));
  std::ofstream(dir_.Join("lake/raw/bad/x.parquet")) << "<html>not parquet</html>";
  auto bad = table_.Run({{"table", "trips"}, {"source", "lake://raw/bad/"}}, ctx_);
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("the table was not changed"), std::string::npos)
      << bad.error().message;
  EXPECT_EQ(*Query("SELECT count(*) FROM trips").rows[0][0], "5");

  auto name = table_.Run({{"table", "x; DROP TABLE y"}, {"source", "lake://raw/t/"}}, ctx_);
  ASSERT_FALSE(name.has_value());
  EXPECT_NE(name.error().message.find("must be name or schema.name"), std::string::npos);
  auto s3 = table_.Run({{"table", "t"}, {"source", "s3://b/raw/"}}, ctx_);
  ASSERT_FALSE(s3.has_value());
}

TEST_F(WarehouseTest, SqlRunsStatementsInTheWarehouseAndReturnsTheLastRows) {
  Json r = sql_.Run({{"sql",
                      "CREATE TABLE totals AS SELECT range AS n FROM range(150);\n"
                      "SELECT n, n * 1.5 AS half, 'x' AS s FROM totals ORDER BY n"}},
                    ctx_)
               .value();
  EXPECT_EQ(r["row_count"], 150);
  EXPECT_EQ(r["rows"].size(), 100u);
  EXPECT_TRUE(r["truncated"].get<bool>());
  EXPECT_EQ(r["columns"], Json({"n", "half", "s"}));
  EXPECT_EQ(r["rows"][3], Json({{"n", 3}, {"half", 4.5}, {"s", "x"}}));
  EXPECT_EQ(*Query("SELECT sum(n) FROM totals").rows[0][0], "11175");

  Json mem = sql_.Run({{"sql", "SELECT 1 AS first; SELECT 42 AS answer; -- the last one counts"},
                       {"conn", "duckdb://"}},
                      ctx_)
                 .value();
  EXPECT_EQ(mem["rows"], Json::array({{{"answer", 42}}}));
  auto second = sql_.Run({{"sql", "SELECT 1; SELECT * FROM nowhere"}, {"conn", "duckdb://"}}, ctx_);
  ASSERT_FALSE(second.has_value());
  EXPECT_NE(second.error().message.find("(statement 2 of 2)"), std::string::npos)
      << second.error().message;
  auto bad = sql_.Run({{"sql", "SELEC 1"}}, ctx_);
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("syntax error"), std::string::npos) << bad.error().message;
}

TEST_F(WarehouseTest, SqlRunsAgainstSqlite) {
  std::string conn = "sqlite:///" + dir_.Join("app.db");
  Json r = sql_.Run({{"sql",
                      "CREATE TABLE t (id INTEGER, name TEXT, score REAL);"
                      "INSERT INTO t VALUES (1, 'a', 0.5), (2, NULL, 1.5);"
                      "SELECT * FROM t ORDER BY id;"},
                     {"conn", conn},
                     {"max_rows", 1}},
                    ctx_)
               .value();
  EXPECT_EQ(r["row_count"], 2);
  EXPECT_EQ(r["rows"], Json::array({{{"id", 1}, {"name", "a"}, {"score", 0.5}}}));
  auto bad = sql_.Run({{"sql", "SELECT * FROM missing"}, {"conn", conn}}, ctx_);
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("no such table: missing"), std::string::npos);
  auto unknown = sql_.Run({{"sql", "SELECT 1"}, {"conn", "postgres://x"}}, ctx_);
  ASSERT_FALSE(unknown.has_value());
}

// DuckDB reads cloud files only through its httpfs (s3://, gs://) and azure (az://)
// extensions, loaded from duckdb_extension_directory: without one, or with a file DuckDB
// refuses, a cloud source (named, or through a cloud default lake) fails saying which
// extension and how to install it, and the warehouse is not created.
TEST_F(WarehouseTest, CloudSourcesNeedDuckDbsExtensionFromTheConfiguredFolder) {
  for (auto [source, extension] :
       {std::pair{"s3://bucket/raw/t/", "httpfs"}, std::pair{"gs://bucket/raw/t/", "httpfs"},
        std::pair{"az://c/raw/t/", "azure"}}) {
    auto r = table_.Run({{"table", "trips"}, {"source", source}}, ctx_);
    ASSERT_FALSE(r.has_value()) << source;
    EXPECT_EQ(r.error().code, ErrorCode::kFailedPrecondition);
    EXPECT_NE(r.error().message.find(fmt::format("reading {}**/*.parquet needs DuckDB's {} "
                                                 "extension",
                                                 source, extension)),
              std::string::npos)
        << r.error().message;
    EXPECT_NE(r.error().message.find("no duckdb_extension_directory is configured"),
              std::string::npos)
        << r.error().message;
  }
  // A file that is not DuckDB's build of httpfs is refused with DuckDB's reason.
  ctx_.duck.extension_directory = dir_.Join("extensions");
  fs::create_directories(ctx_.duck.extension_directory);
  std::ofstream(dir_.Join("extensions/httpfs.duckdb_extension")) << "not an extension";
  ctx_.lake_uri = "gs://bucket/lake";
  auto lake = table_.Run({{"table", "trips"}, {"source", "lake://raw/t/"}}, ctx_);
  ASSERT_FALSE(lake.has_value());
  EXPECT_NE(
      lake.error().message.find("reading gs://bucket/lake/raw/t/**/*.parquet needs DuckDB's httpfs "
                                "extension, and "
                                "DuckDB refused " +
                                dir_.Join("extensions/httpfs.duckdb_extension")),
      std::string::npos)
      << lake.error().message;
  EXPECT_NE(lake.error().message.find("not a DuckDB extension"), std::string::npos);
  EXPECT_NE(lake.error().message.find("warehouse: bigquery"), std::string::npos);
  EXPECT_FALSE(fs::exists(ctx_.warehouse_path));
}

// No files, no warehouse: a table over nothing is refused before the warehouse is opened.
TEST_F(WarehouseTest, NoFilesLeavesNoWarehouse) {
  auto r = table_.Run({{"table", "trips"}, {"source", "lake://raw/none/"}}, ctx_);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(fs::exists(ctx_.warehouse_path));
}

// sql over a DuckDB warehouse in a cloud lake: tables over local files still work when the
// lake cannot be read, and a query that fails says why the lake could not be.
TEST_F(WarehouseTest, SqlInACloudLakeSaysWhyTheLakeCannotBeRead) {
  Month("01", 3, 0);
  ASSERT_TRUE(table_.Run({{"table", "trips"}, {"source", "lake://raw/t/"}}, ctx_).has_value());
  ctx_.lake_uri = "s3://bucket/lake";
  ctx_.duck.extension_directory = dir_.Join("empty");
  fs::create_directories(ctx_.duck.extension_directory);
  Json ok = sql_.Run({{"sql", "SELECT count(*) AS n FROM trips"}}, ctx_).value();
  EXPECT_EQ(ok["rows"][0]["n"], 3);
  auto bad = sql_.Run({{"sql", "SELECT * FROM read_parquet('s3://bucket/lake/x.parquet')"}}, ctx_);
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("and DuckDB cannot read cloud files: reading s3://bucket/lake "
                                     "needs DuckDB's httpfs extension, which is not in "
                                     "duckdb_extension_directory"),
            std::string::npos)
      << bad.error().message;
}

}  // namespace
}  // namespace weir
