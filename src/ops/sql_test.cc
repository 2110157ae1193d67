// The sql operator's bind parameters: values reach DuckDB and SQLite as values, never as SQL.

#include <gtest/gtest.h>

#include <filesystem>

#include "env/temp_dir.h"
#include "ops/sql.h"

namespace weir {
namespace {

namespace fs = std::filesystem;

class SqlParametersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ctx_.warehouse_path = dir_.Join("warehouse.duckdb");
    ctx_.work_dir = dir_.Join("work");
    fs::create_directories(ctx_.work_dir);
  }
  // A value that, spliced into '...' in SQL, would write a file (as a conf did on main).
  std::string Payload() const {
    return "x'); COPY (SELECT 42) TO '" + dir_.Join("pwned.csv") + "'; SELECT ('";
  }
  Result<Json> Run(const std::string& conn, const std::string& sql, const Json& parameters) {
    return sql_.Run({{"sql", sql}, {"conn", conn}, {"parameters", parameters}}, ctx_);
  }
  TempDir dir_;
  NativeContext ctx_;
  SqlOperator sql_;
};

TEST_F(SqlParametersTest, DuckDbBindsNamedValuesAsValues) {
  auto r = Run("duckdb://" + dir_.Join("db.duckdb"),
               "CREATE TABLE notes (body VARCHAR, n BIGINT, ok BOOLEAN, ratio DOUBLE, gone "
               "VARCHAR);\n"
               "INSERT INTO notes VALUES ($body, $n, $ok, $ratio, $gone);\n"
               "SELECT * FROM notes WHERE body = $body",
               {{"body", Payload()}, {"n", 7}, {"ok", true}, {"ratio", 0.25}, {"gone", nullptr}});
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(
      (*r)["rows"],
      Json::array(
          {{{"body", Payload()}, {"n", 7}, {"ok", true}, {"ratio", 0.25}, {"gone", nullptr}}}));
  EXPECT_FALSE(fs::exists(dir_.Join("pwned.csv")));
}

TEST_F(SqlParametersTest, DuckDbCountsPositionsPerStatement) {
  auto r = Run("duckdb://", "SELECT ? AS a; SELECT $2 AS b, $1 AS a", Json{"one", "two"});
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ((*r)["rows"], Json::array({{{"b", "two"}, {"a", "one"}}}));
  // Text casts where SQL asks for a type; lists and maps arrive as their JSON text.
  auto typed = Run("duckdb://", "SELECT $1::INTEGER + 1 AS n, $2 AS j", Json{"41", {1, "a"}});
  ASSERT_TRUE(typed.has_value()) << typed.error().message;
  EXPECT_EQ((*typed)["rows"], Json::array({{{"n", 42}, {"j", "[1,\"a\"]"}}}));
}

TEST_F(SqlParametersTest, DuckDbNamesAPlaceholderWithoutAValue) {
  auto missing = Run("duckdb://", "SELECT 1; SELECT $day", Json{{"days", "x"}});
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().message,
            "sql (statement 2 of 2): placeholder $day has no value: parameters has no key 'day'");
  auto none = Run("duckdb://", "SELECT ?", Json());
  ASSERT_FALSE(none.has_value());
  EXPECT_NE(none.error().message.find("placeholder number 1 (? or $1) has no value"),
            std::string::npos)
      << none.error().message;
  auto shape = sql_.Run({{"sql", "SELECT 1"}, {"conn", "duckdb://"}, {"parameters", "x"}}, ctx_);
  ASSERT_FALSE(shape.has_value());
  EXPECT_NE(shape.error().message.find("'parameters' must be a list"), std::string::npos);
}

TEST_F(SqlParametersTest, SqliteBindsEveryPlaceholderStyle) {
  std::string conn = "sqlite:///" + dir_.Join("app.db");
  ASSERT_TRUE(Run(conn, "CREATE TABLE notes (body TEXT, n INTEGER)", Json()).has_value());
  auto named = Run(conn,
                   "INSERT INTO notes VALUES (:body, $n); INSERT INTO notes VALUES (@body, 2);"
                   "SELECT body, n FROM notes ORDER BY n",
                   {{"body", Payload()}, {"n", 1}});
  ASSERT_TRUE(named.has_value()) << named.error().message;
  EXPECT_EQ((*named)["rows"],
            Json::array({{{"body", Payload()}, {"n", 1}}, {{"body", Payload()}, {"n", 2}}}));
  auto positional = Run(conn, "SELECT ? AS a, ?2 AS b, $1 AS c", Json{"one", 2});
  ASSERT_TRUE(positional.has_value()) << positional.error().message;
  EXPECT_EQ((*positional)["rows"], Json::array({{{"a", "one"}, {"b", 2}, {"c", "one"}}}));
  auto missing = Run(conn, "SELECT :day", Json{{"x", 1}});
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message.find("placeholder $day has no value"), std::string::npos)
      << missing.error().message;
  EXPECT_FALSE(fs::exists(dir_.Join("pwned.csv")));
}

}  // namespace
}  // namespace weir
