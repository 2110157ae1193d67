#include "store/sqlite/sqlite_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>

#include "store/sql/migrations.h"
#include "store/sql/rows.h"
#include "store/sqlite/sqlite_connection.h"
#include "store/sqlite/sqlite_schema.h"
#include "store/store_test_fixture.h"

namespace weir {
namespace {

using ::testing::HasSubstr;

// A plain sqlite3 connection, standing in for another process or an older/newer weir.
class RawConnection {
 public:
  explicit RawConnection(const std::string& path) {
    EXPECT_EQ(sqlite3_open(path.c_str(), &db_), SQLITE_OK);
  }
  ~RawConnection() { sqlite3_close(db_); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  void Exec(const std::string& sql) {
    char* error = nullptr;
    EXPECT_EQ(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK)
        << sql << ": " << (error != nullptr ? error : "");
    sqlite3_free(error);
  }
  // The first column of the first row, as text.
  std::string QueryText(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sql;
    std::string text;
    if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
      text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
    return text;
  }
  // What EXPLAIN QUERY PLAN says of `sql`, its lines joined.
  std::string QueryPlan(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    std::string explain = "EXPLAIN QUERY PLAN " + sql;
    EXPECT_EQ(sqlite3_prepare_v2(db_, explain.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sql;
    std::string plan;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      if (sqlite3_column_text(stmt, 3) != nullptr) {
        plan += reinterpret_cast<const char*>(sqlite3_column_text(stmt, 3));
        plan += "\n";
      }
    }
    sqlite3_finalize(stmt);
    return plan;
  }

 private:
  sqlite3* db_ = nullptr;
};

std::unique_ptr<SqliteStore> OpenOrDie(const std::string& path, SqliteStoreOptions options = {}) {
  auto store = SqliteStore::Open(path, std::move(options));
  EXPECT_TRUE(store.has_value()) << store.error().message;
  return store.has_value() ? std::move(*store) : nullptr;
}

DagRow Dag(const std::string& id) {
  DagRow dag;
  dag.dag_id = id;
  dag.fileloc = "/dags/" + id + ".yaml";
  return dag;
}

TEST(SqliteStore, FreshDatabaseMigratesToTheLatestVersion) {
  TempDir dir;
  auto store = OpenOrDie(dir.Join("weir.db"));
  EXPECT_EQ(store->SchemaVersion().value(), 0);
  ASSERT_OK(store->Migrate());
  EXPECT_EQ(store->SchemaVersion().value(), store->LatestSchemaVersion());
  EXPECT_EQ(store->LatestSchemaVersion(), sqlite::Schema().latest());

  RawConnection raw(dir.Join("weir.db"));
  for (const char* table : {"dag", "dag_version", "import_error", "dag_run", "task_instance",
                            "task_try", "xcom", "variable", "pool", "lake_object", "dataset_schema",
                            "weir_user", "api_token", "web_session"}) {
    EXPECT_EQ(raw.QueryText(fmt::format(
                  "SELECT name FROM sqlite_master WHERE type = 'table' AND name = '{}'", table)),
              table);
  }
  for (const char* index : {"dag_run_by_logical_date", "dag_run_by_state", "task_try_unfinished"}) {
    EXPECT_EQ(raw.QueryText(fmt::format(
                  "SELECT name FROM sqlite_master WHERE type = 'index' AND name = '{}'", index)),
              index);
  }
}

TEST(SqliteStore, MigratingAgainIsANoOp) {
  TempDir dir;
  auto store = OpenOrDie(dir.Join("weir.db"));
  ASSERT_OK(store->Migrate());
  ASSERT_OK(store->Migrate());
  store.reset();
  auto reopened = OpenOrDie(dir.Join("weir.db"));
  ASSERT_OK(reopened->Migrate());
  RawConnection raw(dir.Join("weir.db"));
  // One row per migration (numbers may skip: branches take their numbers apart).
  EXPECT_EQ(raw.QueryText("SELECT COUNT(*) FROM schema_version"),
            std::to_string(sqlite::Schema().migrations.size()));
  EXPECT_EQ(raw.QueryText("SELECT MAX(version) FROM schema_version"),
            std::to_string(sqlite::Schema().latest()));
  EXPECT_EQ(raw.QueryText("SELECT COUNT(*) FROM pool"), "1");
}

TEST(SqliteMigrations, AFailingMigrationLeavesTheSchemaAtThePreviousVersion) {
  auto db = sqlite::Connection::Open(":memory:", {}).value();
  constexpr std::string_view kOne[] = {"CREATE TABLE a (x INTEGER)"};
  constexpr std::string_view kTwo[] = {"CREATE TABLE b (x INTEGER)", "CREATE TABLE a (y TEXT)"};
  const sql::Migration migrations[] = {{1, "create a", kOne}, {2, "create b", kTwo}};
  auto status = sql::ApplyMigrations(*db, sql::Schema{.migrations = migrations});
  ASSERT_FALSE(status.has_value());
  EXPECT_THAT(status.error().message, HasSubstr("applying migration 2 (create b)"));
  EXPECT_THAT(status.error().message, HasSubstr("table a already exists"));
  EXPECT_EQ(sql::ReadSchemaVersion(*db).value(), 1);
  // Table b, created by the failed migration's first statement, was rolled back with it.
  EXPECT_FALSE(db->Prepare("SELECT x FROM b").has_value());
  EXPECT_OK(db->Prepare("SELECT x FROM a"));
}

TEST(SqliteMigrations, UsernamesThatDifferOnlyInCaseKeepTheOldestAndRenameTheOthers) {
  TempDir dir;
  {
    auto db = sqlite::Connection::Open(dir.Join("weir.db"), {}).value();
    ASSERT_OK(
        sql::ApplyMigrations(*db, sql::Schema{.migrations = sqlite::Schema().migrations.first(4)}));
    for (const char* name : {"ann", "Ann", "bob", "ANN"}) {
      ASSERT_OK(db->Exec(fmt::format(
          "INSERT INTO weir_user (username, role, password_hash, created_at, updated_at) "
          "VALUES ('{}', 'viewer', 'h', 0, 0)",
          name)));
    }
  }
  auto store = OpenOrDie(dir.Join("weir.db"));
  ASSERT_OK(store->Migrate());
  auto users = store->ListUsers().value();
  std::vector<std::string> names;
  names.reserve(users.size());
  for (const auto& u : users) names.push_back(u.username);
  EXPECT_THAT(names, ::testing::ElementsAre("ann", "Ann-duplicate-2", "ANN-duplicate-4", "bob"));
  EXPECT_EQ(store->GetUser("ANN").value().id, 1);
  User again;
  again.username = "BOB";
  again.role = "viewer";
  again.password_hash = "h";
  EXPECT_EQ(store->CreateUser(again).error().code, ErrorCode::kAlreadyExists);
  ASSERT_OK(store->DeleteUser("Bob"));
  EXPECT_EQ(store->GetUser("bob").error().code, ErrorCode::kNotFound);
}

TEST(SqliteStore, DatabaseFromANewerWeirIsRejected) {
  TempDir dir;
  ASSERT_OK(OpenOrDie(dir.Join("weir.db"))->Migrate());
  int future = sqlite::Schema().latest() + 1;
  RawConnection(dir.Join("weir.db"))
      .Exec(fmt::format("INSERT INTO schema_version VALUES ({}, 'from the future', 0)", future));

  auto store = SqliteStore::Open(dir.Join("weir.db"));
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(store.error().message, HasSubstr("upgrade weir"));
  EXPECT_THAT(store.error().message, HasSubstr(fmt::format("schema version {}", future)));
}

TEST(SqliteStore, FileDatabaseUsesWriteAheadLogging) {
  TempDir dir;
  ASSERT_OK(OpenOrDie(dir.Join("weir.db"))->Migrate());
  RawConnection raw(dir.Join("weir.db"));
  EXPECT_EQ(raw.QueryText("PRAGMA journal_mode"), "wal");
}

// Recovery lists the unfinished tries and every heartbeat updates the running ones: both go
// through the partial index, which holds only tries that have not ended.
TEST(SqliteStore, UnfinishedTriesAreFoundThroughTheirPartialIndex) {
  TempDir dir;
  ASSERT_OK(OpenOrDie(dir.Join("weir.db"))->Migrate());
  RawConnection raw(dir.Join("weir.db"));
  std::string unfinished(sql::kUnfinishedTries);
  EXPECT_THAT(raw.QueryPlan("SELECT * FROM task_try WHERE " + unfinished),
              HasSubstr("task_try_unfinished"));
  EXPECT_THAT(raw.QueryPlan("UPDATE task_try SET heartbeat_at = 1 WHERE " + unfinished +
                            " AND state = 'running'"),
              HasSubstr("task_try_unfinished"));
  EXPECT_EQ(raw.QueryText("SELECT COUNT(*) FROM sqlite_master WHERE name = 'task_try_by_state'"),
            "0");
}

TEST(SqliteStore, TwoInstancesOnOneFileSeeEachOthersCommits) {
  TempDir dir;
  auto scheduler = OpenOrDie(dir.Join("weir.db"));
  ASSERT_OK(scheduler->Migrate());
  auto webserver = OpenOrDie(dir.Join("weir.db"));
  ASSERT_OK(scheduler->UpsertDag(Dag("etl")));
  ASSERT_OK(webserver->SetPaused("etl", true));
  EXPECT_TRUE(scheduler->GetDag("etl").value().is_paused);

  // An uncommitted write is invisible to the other instance until it commits.
  ASSERT_OK(scheduler->Transaction([&]() -> Status {
    TRY(scheduler->UpsertDag(Dag("pending")));
    EXPECT_ERROR(webserver->GetDag("pending"), ErrorCode::kNotFound);
    return {};
  }));
  EXPECT_OK(webserver->GetDag("pending"));
}

TEST(SqliteStore, BusyBeyondTheTimeoutIsUnavailable) {
  TempDir dir;
  auto store = OpenOrDie(dir.Join("weir.db"), {.busy_timeout_ms = 50, .now = nullptr});
  ASSERT_OK(store->Migrate());
  RawConnection other(dir.Join("weir.db"));
  other.Exec("BEGIN IMMEDIATE");

  auto status = store->UpsertDag(Dag("etl"));
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().code, ErrorCode::kUnavailable);
  EXPECT_THAT(status.error().message, HasSubstr("another weir process holds the database"));
  EXPECT_ERROR(store->Transaction([] { return Status(); }), ErrorCode::kUnavailable);
  // Readers are not blocked by a writer in WAL mode.
  EXPECT_OK(store->ListDags());

  other.Exec("ROLLBACK");
  EXPECT_OK(store->UpsertDag(Dag("etl")));
}

// Change tracking costs one counter update per write transaction, not one per row.
TEST(SqliteStore, AWriteTransactionAdvancesTheChangeSequenceOnce) {
  TempDir dir;
  auto store = OpenOrDie(dir.Join("weir.db"));
  ASSERT_OK(store->Migrate());
  DagRun run;
  run.dag_id = "etl";
  run.run_id = "r1";
  std::vector<TaskInstance> tis(3);
  for (size_t i = 0; i < tis.size(); ++i) tis[i].task_id = "t" + std::to_string(i);
  const int64_t before = store->ChangeSeq().value();
  ASSERT_OK(store->Transaction([&]() -> Status {
    TRY(store->CreateRun(run, tis));
    for (auto& ti : tis) {
      ti.dag_id = "etl";
      ti.run_id = "r1";
      ti.state = TaskState::kScheduled;
      TRY(store->UpdateTaskInstance(ti));
    }
    run.state = RunState::kRunning;
    return store->UpdateRun(run);
  }));
  EXPECT_EQ(store->ChangeSeq().value(), before + 1);
  StoreChanges changes = store->ChangesSince(before).value();
  EXPECT_EQ(changes.runs.size(), 1u);
  EXPECT_EQ(changes.tis.size(), 3u);
  // Outside a transaction each write is one.
  tis[0].state = TaskState::kQueued;
  ASSERT_OK(store->UpdateTaskInstance(tis[0]));
  EXPECT_EQ(store->ChangeSeq().value(), before + 2);
}

TEST(SqliteStore, TimestampsComeFromTheInjectedClock) {
  Time now = Utc("2030-06-01T12:00:00Z");
  auto store = OpenOrDie(":memory:", {.busy_timeout_ms = 5000, .now = [&] { return now; }});
  ASSERT_OK(store->Migrate());
  EXPECT_EQ(store->AddDagVersion("etl", "h", "src", "/dags/etl.yaml").value().created_at, now);
  ASSERT_OK(store->SetImportError("/dags/x.yaml", "broken"));
  EXPECT_EQ(store->ListImportErrors().value()[0].timestamp, now);
}

TEST(SqliteConnection, AStatementInUseIsNotHandedOutTwice) {
  auto db = sqlite::Connection::Open(":memory:", {}).value();
  ASSERT_OK(db->Exec("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1), (2)"));
  constexpr std::string_view kSql = "SELECT x FROM t ORDER BY x";
  auto outer = db->Prepare(kSql).value();
  ASSERT_TRUE(outer.Step().value());
  {
    auto inner = db->Prepare(kSql).value();
    ASSERT_TRUE(inner.Step().value());
    EXPECT_EQ(inner.Int64(0), 1);
    ASSERT_TRUE(inner.Step().value());
    EXPECT_EQ(inner.Int64(0), 2);
  }
  EXPECT_EQ(outer.Int64(0), 1);  // the outer iteration was not disturbed
  ASSERT_TRUE(outer.Step().value());
  EXPECT_EQ(outer.Int64(0), 2);
  EXPECT_FALSE(outer.Step().value());
}

TEST(SqliteConnection, ErrorsNameTheStatementAndSqlitesMessage) {
  auto db = sqlite::Connection::Open(":memory:", {}).value();
  auto bad = db->Prepare("SELECT * FROM no_such_table");
  ASSERT_FALSE(bad.has_value());
  EXPECT_THAT(bad.error().message, HasSubstr("no such table: no_such_table"));

  ASSERT_OK(db->Exec("CREATE TABLE t (x INTEGER PRIMARY KEY)"));
  auto insert = db->Prepare("INSERT INTO t VALUES (?1)").value();
  ASSERT_OK(insert.Bind(1, int64_t{1}).Run());
  auto again = db->Prepare("INSERT INTO t VALUES (?1)").value();
  auto status = again.Bind(1, int64_t{1}).Run();
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().code, ErrorCode::kAlreadyExists);
  EXPECT_THAT(status.error().message, HasSubstr("UNIQUE constraint failed"));
  auto wrong_index = db->Prepare("SELECT ?1").value();
  EXPECT_ERROR(wrong_index.Bind(5, int64_t{1}).Step(), ErrorCode::kInternal);
}

}  // namespace
}  // namespace weir
