// The MetadataStore suite, part 1: schema, transactions, DAGs and versions, import errors,
// variables, pools. Every implementation is instantiated at the bottom of this file.
#include "store/metadata_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/sqlite/sqlite_store.h"
#include "store/store_test_fixture.h"

namespace weir {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

DagRow MakeDag(const std::string& id) {
  return DagRow{.dag_id = id,
                .fileloc = "/dags/" + id + ".yaml",
                .is_paused = false,
                .is_active = true,
                .latest_version_id = 0,
                .description = "the " + id + " DAG",
                .schedule = "@daily",
                .timezone = "Europe/Berlin",
                .owner = "data",
                .tags = {"etl", "daily"},
                .last_parsed_at = Utc("2024-03-01T10:00:00Z")};
}

TEST_P(MetadataStoreTest, MigrateReachesTheLatestVersionAndIsIdempotent) {
  EXPECT_EQ(store().SchemaVersion().value(), store().LatestSchemaVersion());
  EXPECT_GE(store().LatestSchemaVersion(), 1);
  EXPECT_OK(store().Migrate());
  EXPECT_EQ(store().SchemaVersion().value(), store().LatestSchemaVersion());
}

TEST_P(MetadataStoreTest, UpsertDagRoundTripsEveryField) {
  ASSERT_OK(store().UpsertDag(MakeDag("etl")));
  DagRow dag = store().GetDag("etl").value();
  EXPECT_EQ(dag.fileloc, "/dags/etl.yaml");
  EXPECT_FALSE(dag.is_paused);
  EXPECT_TRUE(dag.is_active);
  EXPECT_EQ(dag.description, "the etl DAG");
  EXPECT_EQ(dag.schedule, "@daily");
  EXPECT_EQ(dag.timezone, "Europe/Berlin");
  EXPECT_EQ(dag.owner, "data");
  EXPECT_THAT(dag.tags, ElementsAre("etl", "daily"));
  EXPECT_EQ(dag.last_parsed_at, Utc("2024-03-01T10:00:00Z"));
}

TEST_P(MetadataStoreTest, UpsertDagKeepsPausedButUpdatesTheRest) {
  ASSERT_OK(store().UpsertDag(MakeDag("etl")));
  ASSERT_OK(store().SetPaused("etl", true));
  DagRow reparsed = MakeDag("etl");
  reparsed.is_paused = false;  // what the file says must not undo the user's pause
  reparsed.schedule = "@hourly";
  reparsed.tags = {"hourly"};
  reparsed.latest_version_id = 7;
  ASSERT_OK(store().UpsertDag(reparsed));
  DagRow dag = store().GetDag("etl").value();
  EXPECT_TRUE(dag.is_paused);
  EXPECT_EQ(dag.schedule, "@hourly");
  EXPECT_THAT(dag.tags, ElementsAre("hourly"));
  EXPECT_EQ(dag.latest_version_id, 7);
}

TEST_P(MetadataStoreTest, NewDagTakesThePausedStateItIsCreatedWith) {
  DagRow dag = MakeDag("paused_at_birth");
  dag.is_paused = true;
  ASSERT_OK(store().UpsertDag(dag));
  EXPECT_TRUE(store().GetDag("paused_at_birth").value().is_paused);
}

TEST_P(MetadataStoreTest, PauseAndActiveFlagsAndMissingDags) {
  ASSERT_OK(store().UpsertDag(MakeDag("b")));
  ASSERT_OK(store().UpsertDag(MakeDag("a")));
  ASSERT_OK(store().SetActive("b", false));
  ASSERT_OK(store().SetPaused("a", true));
  auto dags = store().ListDags().value();
  ASSERT_EQ(dags.size(), 2u);
  EXPECT_EQ(dags[0].dag_id, "a");
  EXPECT_TRUE(dags[0].is_paused);
  EXPECT_TRUE(dags[0].is_active);
  EXPECT_EQ(dags[1].dag_id, "b");
  EXPECT_FALSE(dags[1].is_active);
  EXPECT_FALSE(dags[1].is_paused);

  EXPECT_ERROR(store().GetDag("nope"), ErrorCode::kNotFound);
  EXPECT_ERROR(store().SetPaused("nope", true), ErrorCode::kNotFound);
  EXPECT_ERROR(store().SetActive("nope", true), ErrorCode::kNotFound);
  EXPECT_THAT(store().GetDag("nope").error().message, HasSubstr("nope"));
}

TEST_P(MetadataStoreTest, AddDagVersionNumbersVersionsPerDagAndReusesAHash) {
  DagVersion v1 = store().AddDagVersion("etl", "hash1", "source 1", "/dags/etl.yaml").value();
  EXPECT_EQ(v1.version_number, 1);
  EXPECT_EQ(v1.dag_id, "etl");
  EXPECT_EQ(v1.source, "source 1");
  DagVersion again = store().AddDagVersion("etl", "hash1", "source 1", "/dags/etl.yaml").value();
  EXPECT_EQ(again.id, v1.id);
  EXPECT_EQ(again.version_number, 1);
  DagVersion v2 = store().AddDagVersion("etl", "hash2", "source 2", "/dags/etl.yaml").value();
  EXPECT_EQ(v2.version_number, 2);
  EXPECT_NE(v2.id, v1.id);
  DagVersion other = store().AddDagVersion("other", "hash1", "source 1", "/dags/o.yaml").value();
  EXPECT_EQ(other.version_number, 1);

  DagVersion got = store().GetDagVersion(v2.id).value();
  EXPECT_EQ(got.source_hash, "hash2");
  EXPECT_EQ(got.source, "source 2");
  EXPECT_EQ(got.fileloc, "/dags/etl.yaml");
  EXPECT_EQ(got.created_at, v2.created_at);
  auto versions = store().ListDagVersions("etl").value();
  ASSERT_EQ(versions.size(), 2u);
  EXPECT_EQ(versions[0].id, v1.id);
  EXPECT_EQ(versions[1].id, v2.id);
  EXPECT_ERROR(store().GetDagVersion(v2.id + 100), ErrorCode::kNotFound);
}

TEST_P(MetadataStoreTest, ImportErrorsAreReplacedPerFileAndCleared) {
  ASSERT_OK(store().SetImportError("/dags/a.yaml", "a.yaml:3:1: unknown key 'sheduel'"));
  ASSERT_OK(store().SetImportError("/dags/b.yaml", "b.yaml:1:1: bad"));
  ASSERT_OK(store().SetImportError("/dags/a.yaml", "a.yaml:4:2: still wrong"));
  auto errors = store().ListImportErrors().value();
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].fileloc, "/dags/a.yaml");
  EXPECT_EQ(errors[0].message, "a.yaml:4:2: still wrong");
  EXPECT_NE(errors[0].timestamp, kEpoch);
  ASSERT_OK(store().ClearImportError("/dags/a.yaml"));
  ASSERT_OK(store().ClearImportError("/dags/never_failed.yaml"));
  errors = store().ListImportErrors().value();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].fileloc, "/dags/b.yaml");
}

TEST_P(MetadataStoreTest, VariablesAreSetReplacedListedAndDeleted) {
  ASSERT_OK(store().SetVariable({.key = "b", .value = "1", .description = "", .is_secret = false}));
  ASSERT_OK(store().SetVariable({.key = "a", .value = "x", .description = "d", .is_secret = true}));
  ASSERT_OK(
      store().SetVariable({.key = "b", .value = "2", .description = "n", .is_secret = false}));
  Variable b = store().GetVariable("b").value();
  EXPECT_EQ(b.value, "2");
  EXPECT_EQ(b.description, "n");
  auto all = store().ListVariables().value();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].key, "a");
  EXPECT_TRUE(all[0].is_secret);
  ASSERT_OK(store().DeleteVariable("a"));
  EXPECT_ERROR(store().GetVariable("a"), ErrorCode::kNotFound);
  EXPECT_ERROR(store().DeleteVariable("a"), ErrorCode::kNotFound);
}

TEST_P(MetadataStoreTest, PoolsIncludeAnUndeletableDefaultPool) {
  Pool fallback = store().GetPool("default_pool").value();
  EXPECT_EQ(fallback.slots, 128);
  EXPECT_ERROR(store().SetPool({.name = "../db", .slots = 4, .description = ""}),
               ErrorCode::kInvalidArgument);
  EXPECT_ERROR(
      store().SetVariable({.key = "a/b", .value = "1", .description = "", .is_secret = false}),
      ErrorCode::kInvalidArgument);
  ASSERT_OK(store().SetPool({.name = "db", .slots = 4, .description = "database"}));
  ASSERT_OK(store().SetPool({.name = "db", .slots = 2, .description = "smaller"}));
  ASSERT_OK(store().SetPool({.name = "default_pool", .slots = 16, .description = "tuned"}));
  EXPECT_EQ(store().GetPool("db").value().slots, 2);
  auto pools = store().ListPools().value();
  ASSERT_EQ(pools.size(), 2u);
  EXPECT_EQ(pools[0].name, "db");
  EXPECT_EQ(pools[0].description, "smaller");
  EXPECT_EQ(pools[1].name, "default_pool");
  EXPECT_EQ(pools[1].slots, 16);

  EXPECT_ERROR(store().DeletePool("default_pool"), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(store().GetPool("default_pool").value().slots, 16);
  ASSERT_OK(store().DeletePool("db"));
  EXPECT_ERROR(store().GetPool("db"), ErrorCode::kNotFound);
  EXPECT_ERROR(store().DeletePool("db"), ErrorCode::kNotFound);
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
  };
}

INSTANTIATE_TEST_SUITE_P(Stores, MetadataStoreTest, ::testing::ValuesIn(StoreFactories()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace weir
