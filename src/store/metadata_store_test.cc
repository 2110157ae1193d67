// The MetadataStore suite: what belongs to no single role, the schema and transactions that
// span roles. Each role has its own suite (run_store_test.cc, dag_store_test.cc, ...); every
// suite runs against each implementation of StoreFactories(), at the bottom of this file.
#include "store/metadata_store.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "store/postgres/pg_test_util.h"
#include "store/postgres/postgres_store.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store_test_fixture.h"

namespace weir {
namespace {

TEST_P(MetadataStoreTest, MigrateReachesTheLatestVersionAndIsIdempotent) {
  EXPECT_EQ(store().SchemaVersion().value(), store().LatestSchemaVersion());
  EXPECT_GE(store().LatestSchemaVersion(), 1);
  EXPECT_OK(store().Migrate());
  EXPECT_EQ(store().SchemaVersion().value(), store().LatestSchemaVersion());
}

TEST_P(MetadataStoreTest, MigratingAgainKeepsATunedDefaultPool) {
  ASSERT_OK(store().SetPool({.name = "default_pool", .slots = 16, .description = "tuned"}));
  // Migrating again does not reset a tuned default pool.
  ASSERT_OK(store().Migrate());
  EXPECT_EQ(store().GetPool("default_pool").value().slots, 16);
}

TEST_P(MetadataStoreTest, TransactionCommitsWhenTheFunctionSucceeds) {
  ASSERT_OK(store().Transaction([&]() -> Status {
    TRY(store().UpsertDag(MakeDag("a")));
    TRY(store().SetVariable({.key = "k", .value = "v", .description = "", .is_secret = false}));
    return {};
  }));
  EXPECT_OK(store().GetDag("a"));
  EXPECT_EQ(store().GetVariable("k").value().value, "v");
}

TEST_P(MetadataStoreTest, TransactionRollsBackEverythingOnError) {
  auto status = store().Transaction([&]() -> Status {
    TRY(store().UpsertDag(MakeDag("a")));
    TRY(store().AddDagVersion("a", "h", "src", "/dags/a.yaml"));
    return Err(ErrorCode::kInvalidArgument, "changed my mind");
  });
  EXPECT_ERROR(status, ErrorCode::kInvalidArgument);
  EXPECT_EQ(status.error().message, "changed my mind");
  EXPECT_ERROR(store().GetDag("a"), ErrorCode::kNotFound);
  EXPECT_TRUE(store().ListDagVersions("a").value().empty());
  // The store is usable afterwards.
  EXPECT_OK(store().UpsertDag(MakeDag("a")));
}

TEST_P(MetadataStoreTest, NestedTransactionsJoinTheOuterOne) {
  // An inner failure the outer function handles undoes only the inner writes.
  ASSERT_OK(store().Transaction([&]() -> Status {
    TRY(store().UpsertDag(MakeDag("outer")));
    Status inner = store().Transaction([&]() -> Status {
      TRY(store().UpsertDag(MakeDag("inner")));
      return Err(ErrorCode::kInvalidArgument, "inner fails");
    });
    EXPECT_FALSE(inner.has_value());
    return store().Transaction([&] { return store().UpsertDag(MakeDag("second")); });
  }));
  EXPECT_OK(store().GetDag("outer"));
  EXPECT_OK(store().GetDag("second"));
  EXPECT_ERROR(store().GetDag("inner"), ErrorCode::kNotFound);

  // An inner success is undone when the outer transaction fails.
  auto status = store().Transaction([&]() -> Status {
    TRY(store().Transaction([&] { return store().UpsertDag(MakeDag("undone")); }));
    return Err(ErrorCode::kInternal, "outer fails");
  });
  EXPECT_FALSE(status.has_value());
  EXPECT_ERROR(store().GetDag("undone"), ErrorCode::kNotFound);
}

TEST_P(MetadataStoreTest, TheRolesOfOneStoreShareItsTransactions) {
  RunStore& runs = store();
  AuditStore& audit = store();
  DagStore& dags = store();
  EXPECT_TRUE(SameStore(runs, audit));
  EXPECT_TRUE(SameStore(runs, dags));

  // A change through one role and its audit event through another: both or neither are kept.
  DagRun run;
  run.dag_id = "etl";
  run.run_id = "manual__1";
  run.run_type = RunType::kManual;
  run.logical_date = Utc("2024-01-01");
  AuditEvent event;
  event.when = Utc("2024-01-02");
  event.username = "alice";
  event.source = "cli";
  event.action = "trigger";
  auto status = runs.Transaction([&]() -> Status {
    TRY(runs.CreateRun(run, {}));
    TRY(audit.AddAuditEvent(event));
    TRY(dags.UpsertDag(MakeDag("etl")));
    return Err(ErrorCode::kInternal, "fails after all three");
  });
  EXPECT_ERROR(status, ErrorCode::kInternal);
  EXPECT_ERROR(runs.GetRun("etl", "manual__1"), ErrorCode::kNotFound);
  EXPECT_EQ(audit.CountAuditEvents(AuditFilter{}).value(), 0);
  EXPECT_ERROR(dags.GetDag("etl"), ErrorCode::kNotFound);

  ASSERT_OK(audit.Transaction([&]() -> Status {
    TRY(runs.CreateRun(run, {}));
    TRY(audit.AddAuditEvent(event));
    return {};
  }));
  EXPECT_OK(runs.GetRun("etl", "manual__1"));
  EXPECT_EQ(audit.CountAuditEvents(AuditFilter{}).value(), 1);
}

WEIR_STORE_SUITE(MetadataStoreTest);

}  // namespace

// Every implementation of the metadata store, one factory each.
std::vector<StoreFactory> StoreFactories() {
  return {
      {"SqliteFile",
       [](const std::string& dir) -> Result<std::unique_ptr<MetadataStore>> {
         return TRY(SqliteStore::Open(dir + "/weir.db"));
       }},
      {"SqliteMemory",
       [](const std::string&) -> Result<std::unique_ptr<MetadataStore>> {
         return TRY(SqliteStore::Open(":memory:"));
       }},
      {"Postgres",
       [](const std::string&) -> Result<std::unique_ptr<MetadataStore>> {
         return TRY(PostgresStore::Open(TRY(FreshPostgresSchema())));
       }},
  };
}

}  // namespace weir
