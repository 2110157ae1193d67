#include "store/postgres/pg_connection.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "store/postgres/pg_test_util.h"
#include "store/postgres/postgres_store.h"
#include "store/sqlite/sqlite_connection.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store_test_fixture.h"

namespace weir {
namespace {

using ::testing::HasSubstr;

TEST(NumberedParameters, WritesSqliteNumbersAsPostgresOnesOutsideQuotes) {
  int count = 0;
  auto sql = postgres::NumberedParameters(
      "SELECT '?1', \"a?2\" FROM t WHERE a = ?1 AND b = ?12 -- ?3\n AND c = 'it''s ?4' OR d = ?2",
      &count);
  ASSERT_OK(sql);
  EXPECT_EQ(*sql,
            "SELECT '?1', \"a?2\" FROM t WHERE a = $1 AND b = $12 -- ?3\n AND c = 'it''s ?4' OR "
            "d = $2");
  EXPECT_EQ(count, 12);
}

TEST(NumberedParameters, RefusesAParameterWithoutItsNumber) {
  int count = 0;
  EXPECT_ERROR(postgres::NumberedParameters("SELECT 1 WHERE a = ?", &count), ErrorCode::kInternal);
  EXPECT_ERROR(postgres::NumberedParameters("SELECT 1 WHERE a = ?0", &count), ErrorCode::kInternal);
}

// Tables -> their columns in order, and the names of the indexes weir made.
struct Shape {
  std::map<std::string, std::vector<std::string>> columns;
  std::set<std::string> indexes;
};

Shape ReadShape(sql::Connection& db, std::string_view tables, std::string_view columns,
                std::string_view indexes) {
  Shape shape;
  std::vector<std::string> names;
  auto list = db.Prepare(tables).value();
  while (list.Step().value()) names.push_back(list.Text(0));
  for (const std::string& table : names) {
    auto cols = db.Prepare(columns).value();
    cols.Bind(1, table);
    while (cols.Step().value()) shape.columns[table].push_back(cols.Text(0));
  }
  auto idx = db.Prepare(indexes).value();
  while (idx.Step().value()) shape.indexes.insert(idx.Text(0));
  return shape;
}

TEST(PostgresSchema, MatchesSqliteTableForTableColumnForColumn) {
  TempDir dir;
  auto sqlite_store = SqliteStore::Open(dir.Join("weir.db")).value();
  ASSERT_OK(sqlite_store->Migrate());
  auto lite = sqlite::Connection::Open(dir.Join("weir.db"), {}).value();
  Shape sqlite_shape =
      ReadShape(*lite, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
                "SELECT name FROM pragma_table_info(?1) ORDER BY cid",
                "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL");

  auto url = FreshPostgresSchema();
  ASSERT_OK(url);
  auto pg_store = PostgresStore::Open(*url).value();
  ASSERT_OK(pg_store->Migrate());
  EXPECT_EQ(pg_store->SchemaVersion().value(), sqlite_store->SchemaVersion().value());
  auto pg = postgres::Connection::Open(*url, {}).value();
  Shape pg_shape = ReadShape(
      *pg,
      "SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = current_schema() "
      "ORDER BY tablename",
      "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
      "AND table_name = ?1 ORDER BY ordinal_position",
      // Primary keys and UNIQUE constraints have indexes SQLite does not list.
      "SELECT indexname FROM pg_catalog.pg_indexes WHERE schemaname = current_schema() "
      "AND indexname NOT LIKE '%\\_pkey' AND indexname NOT LIKE '%\\_key'");
  EXPECT_EQ(pg_shape.columns, sqlite_shape.columns);
  EXPECT_EQ(pg_shape.indexes, sqlite_shape.indexes);
}

class PostgresConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto url = FreshPostgresSchema();
    ASSERT_TRUE(url.has_value()) << url.error().message;
    url_ = *url;
    db_ = postgres::Connection::Open(url_, {.lock_timeout_ms = 300}).value();
    ASSERT_OK(db_->Exec("CREATE TABLE t (k TEXT PRIMARY KEY, n BIGINT, b BOOLEAN)"));
  }

  std::string url_;
  std::unique_ptr<postgres::Connection> db_;
};

TEST_F(PostgresConnectionTest, BindsAndReadsTextNumbersNullsAndBooleans) {
  auto insert = db_->Prepare("INSERT INTO t (k, n, b) VALUES (?1, ?2, ?3)").value();
  ASSERT_OK(insert.Bind(1, "a'b\"c").Bind(2, int64_t{-9007199254740993}).Bind(3, int64_t{1}).Run());
  EXPECT_EQ(db_->Changes(), 1);
  ASSERT_OK(insert.Bind(1, "null").BindNull(2).Bind(3, int64_t{0}).Run());
  auto select = db_->Prepare("SELECT k, n, b FROM t ORDER BY k").value();
  ASSERT_TRUE(select.Step().value());
  EXPECT_EQ(select.Text(0), "a'b\"c");
  EXPECT_EQ(select.Int64(1), -9007199254740993);
  EXPECT_EQ(select.Int64(2), 1);
  ASSERT_TRUE(select.Step().value());
  EXPECT_TRUE(select.IsNull(1));
  EXPECT_EQ(select.OptionalInt64(1), std::nullopt);
  EXPECT_EQ(select.Int64(2), 0);
  EXPECT_FALSE(select.Step().value());
}

TEST_F(PostgresConnectionTest, MapsConstraintViolationsToTheStoresCodes) {
  auto insert = db_->Prepare("INSERT INTO t (k, n) VALUES (?1, 1)").value();
  ASSERT_OK(insert.Bind(1, "x").Run());
  auto again = insert.Bind(1, "x").Run();
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
  // The same cached statement runs again after its failure.
  EXPECT_OK(insert.Bind(1, "y").Run());
}

TEST_F(PostgresConnectionTest, ACommitAfterAFailedStatementSaysItRolledBack) {
  ASSERT_OK(db_->Prepare("INSERT INTO t (k) VALUES ('x')").value().Run());
  ASSERT_OK(db_->BeginWrite());
  ASSERT_OK(db_->Prepare("INSERT INTO t (k) VALUES ('y')").value().Run());
  EXPECT_ERROR(db_->Prepare("INSERT INTO t (k) VALUES ('x')").value().Run(),
               ErrorCode::kAlreadyExists);
  auto commit = db_->Exec("COMMIT");
  ASSERT_FALSE(commit.has_value());
  EXPECT_THAT(commit.error().message, HasSubstr("rolled the transaction back"));
  EXPECT_THAT(commit.error().message, HasSubstr("duplicate key"));
  // Nothing of it was kept, and the connection is usable again.
  auto count = db_->Prepare("SELECT COUNT(*) FROM t").value();
  ASSERT_TRUE(count.Step().value());
  EXPECT_EQ(count.Int64(0), 1);
}

TEST_F(PostgresConnectionTest, WritersTakeTurnsAndAWriterThatWaitsTooLongIsUnavailable) {
  auto other = postgres::Connection::Open(url_, {.lock_timeout_ms = 300}).value();
  ASSERT_OK(db_->BeginWrite());
  auto waited = other->BeginWrite();
  ASSERT_FALSE(waited.has_value());
  EXPECT_EQ(waited.error().code, ErrorCode::kUnavailable);
  EXPECT_THAT(waited.error().message, HasSubstr("another weir process held the lock"));
  // Readers are not held up by the writer.
  auto read = other->Prepare("SELECT COUNT(*) FROM t").value();
  EXPECT_TRUE(read.Step().value());
  read.Reset();
  ASSERT_OK(db_->Exec("COMMIT"));
  ASSERT_OK(other->BeginWrite());
  ASSERT_OK(other->Exec("COMMIT"));
}

TEST_F(PostgresConnectionTest, AStatementPostgresCannotTypeFailsWhereItIsPrepared) {
  auto prepared = db_->Prepare("SELECT ?1 IS NULL");
  ASSERT_FALSE(prepared.has_value());
  EXPECT_THAT(prepared.error().message, HasSubstr("SELECT $1 IS NULL"));
}

}  // namespace
}  // namespace weir
