// The DagStore suite: DAGs, their versions and import errors.
#include "store/dag_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/store_test_fixture.h"

namespace weir {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST_P(DagStoreTest, UpsertDagRoundTripsEveryField) {
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

TEST_P(DagStoreTest, UpsertDagKeepsPausedButUpdatesTheRest) {
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

TEST_P(DagStoreTest, NewDagTakesThePausedStateItIsCreatedWith) {
  DagRow dag = MakeDag("paused_at_birth");
  dag.is_paused = true;
  ASSERT_OK(store().UpsertDag(dag));
  EXPECT_TRUE(store().GetDag("paused_at_birth").value().is_paused);
}

TEST_P(DagStoreTest, PauseAndActiveFlagsAndMissingDags) {
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

TEST_P(DagStoreTest, AddDagVersionNumbersVersionsPerDagAndReusesAHash) {
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

TEST_P(DagStoreTest, ImportErrorsAreReplacedPerFileAndCleared) {
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

WEIR_STORE_SUITE(DagStoreTest);

}  // namespace
}  // namespace weir
