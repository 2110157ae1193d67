#include "duck/duck.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "env/temp_dir.h"

namespace weir {
namespace {

std::string Value(const DuckRows& rows, size_t row, size_t col) {
  return rows.rows.at(row).at(col).value_or("<null>");
}

TEST(Duck, QueriesReturnNamesTypesAndValuesWithNulls) {
  auto db = DuckDatabase::Open("").value();
  auto con = db->Connect().value();
  ASSERT_TRUE(con.Execute("CREATE TABLE t (id INTEGER, name VARCHAR, fare DOUBLE); "
                          "INSERT INTO t VALUES (1, 'a', 2.5), (2, NULL, 7.25)")
                  .has_value());
  DuckRows rows = con.Query("SELECT id, name, fare FROM t ORDER BY id").value();
  EXPECT_EQ(rows.names, (std::vector<std::string>{"id", "name", "fare"}));
  EXPECT_EQ(rows.types, (std::vector<std::string>{"INTEGER", "VARCHAR", "DOUBLE"}));
  ASSERT_EQ(rows.rows.size(), 2u);
  EXPECT_EQ(Value(rows, 0, 1), "a");
  EXPECT_FALSE(rows.rows[1][1].has_value());
  EXPECT_EQ(Value(rows, 1, 2), "7.25");
}

TEST(Duck, ErrorsCarryDuckDbsMessageAndTheCallersContext) {
  auto db = DuckDatabase::Open("").value();
  auto con = db->Connect().value();
  auto r = con.Query("SELEC 1", "running the sql task");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("running the sql task: "), std::string::npos);
  EXPECT_NE(r.error().message.find("syntax error"), std::string::npos) << r.error().message;
  auto missing = con.Query("SELECT * FROM no_such_table");
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message.find("no_such_table"), std::string::npos);
}

TEST(Duck, ExtensionsAreNeverInstalledOrAutoloadedAndLimitsApply) {
  DuckOptions options;
  options.memory_limit = "256MB";
  options.threads = 1;
  auto db = DuckDatabase::Open("", options).value();
  auto con = db->Connect().value();
  DuckRows rows =
      con.Query(
             "SELECT current_setting('autoinstall_known_extensions'), "
             "current_setting('autoload_known_extensions'), current_setting('threads'), "
             "current_setting('memory_limit')")
          .value();
  EXPECT_EQ(Value(rows, 0, 0), "false");
  EXPECT_EQ(Value(rows, 0, 1), "false");
  EXPECT_EQ(Value(rows, 0, 2), "1");
  EXPECT_NE(Value(rows, 0, 3).find("MiB"), std::string::npos) << Value(rows, 0, 3);
}

TEST(Duck, WritesAndReadsParquetWithTheBuiltInExtension) {
  TempDir dir;
  auto db = DuckDatabase::Open(dir.Join("w.duckdb")).value();
  auto con = db->Connect().value();
  std::string file = dir.Join("out.parquet");
  ASSERT_TRUE(con.Execute("COPY (SELECT range AS id, range * 1.5 AS v FROM range(1000)) TO '" +
                          file + "' (FORMAT parquet, COMPRESSION zstd)")
                  .has_value());
  EXPECT_TRUE(std::filesystem::exists(file));
  DuckRows rows = con.Query("SELECT count(*), sum(id) FROM read_parquet('" + file + "')").value();
  EXPECT_EQ(Value(rows, 0, 0), "1000");
  EXPECT_EQ(Value(rows, 0, 1), "499500");
}

TEST(Duck, ABadSettingIsAnError) {
  DuckOptions options;
  options.memory_limit = "lots";
  auto db = DuckDatabase::Open("", options);
  ASSERT_FALSE(db.has_value());
  EXPECT_NE(db.error().message.find("memory_limit"), std::string::npos) << db.error().message;
}

TEST(Duck, ADatabaseThatCannotBeOpenedNamesItsPath) {
  auto db = DuckDatabase::Open("/nonexistent-folder/x.duckdb");
  ASSERT_FALSE(db.has_value());
  EXPECT_NE(db.error().message.find("/nonexistent-folder/x.duckdb"), std::string::npos);
}

}  // namespace
}  // namespace weir
