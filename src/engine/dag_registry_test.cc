// A DAG whose file breaks after it loaded keeps its last good version, in this process and in
// one that starts while the file is broken; a deleted file still makes it inactive.
#include "engine/dag_registry.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "env/temp_dir.h"
#include "ops/registry.h"
#include "store/sqlite/sqlite_store.h"

namespace weir {
namespace {

constexpr const char* kGood =
    "dag_id: monthly\nschedule: \"@monthly\"\nstart_date: 2021-01-01\nmax_active_runs: 1\n"
    "tasks:\n  - task_id: t\n    operator: empty\n";

class DagRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_.Join("dags"));
    Write(kGood);
    store_ = SqliteStore::Open(dir_.Join("weir.db")).value();
    ASSERT_TRUE(store_->Migrate().has_value());
  }

  void Write(const std::string& text) { std::ofstream(File()) << text; }
  std::string File() { return dir_.Join("dags/monthly.yaml"); }
  std::string Broken() {
    std::string text = kGood;
    return text.replace(text.find("max_active_runs: 1"), 18, "max_active_runs: two");
  }
  std::unique_ptr<DagRegistry> NewRegistry() {
    auto r = std::make_unique<DagRegistry>(*store_, clock_, dir_.Join("dags"), OperatorSchemas());
    EXPECT_TRUE(r->Reload().has_value());
    return r;
  }

  TempDir dir_;
  FakeClock clock_{ParseDateTime("2024-05-01T10:00:00Z").value()};
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(DagRegistryTest, ABrokenFileKeepsTheLastGoodVersionWithItsError) {
  auto registry = NewRegistry();
  int64_t v1 = registry->Find("monthly")->version_id;
  Write(Broken());
  ASSERT_TRUE(registry->Reload().has_value());
  const LoadedDag* kept = registry->Find("monthly");
  ASSERT_NE(kept, nullptr);
  EXPECT_EQ(kept->version_id, v1);
  EXPECT_EQ(kept->spec->schedule, "@monthly");
  EXPECT_NE(kept->import_error.find("max_active_runs"), std::string::npos);
  EXPECT_TRUE(store_->GetDag("monthly")->is_active);
  EXPECT_EQ(store_->GetDag("monthly")->latest_version_id, v1);
  EXPECT_EQ(store_->ListImportErrors()->size(), 1u);
  EXPECT_EQ(store_->ListDagVersions("monthly")->size(), 1u);
}

TEST_F(DagRegistryTest, AProcessStartedWhileTheFileIsBrokenReadsTheStoredVersion) {
  int64_t v1 = NewRegistry()->Find("monthly")->version_id;
  Write(Broken());
  NewRegistry();  // another process records the error
  auto restarted = NewRegistry();
  const LoadedDag* kept = restarted->Find("monthly");
  ASSERT_NE(kept, nullptr);
  EXPECT_EQ(kept->version_id, v1);
  EXPECT_EQ(kept->version_number, 1);
  EXPECT_EQ(kept->spec->max_active_runs, 1);
  EXPECT_EQ(kept->spec->fileloc, File());
  ASSERT_NE(kept->graph, nullptr);
  EXPECT_FALSE(kept->import_error.empty());
}

TEST_F(DagRegistryTest, FixingTheFileClearsTheErrorAndRecordsTheNewVersion) {
  auto registry = NewRegistry();
  Write(Broken());
  ASSERT_TRUE(registry->Reload().has_value());
  std::string fixed = kGood;
  Write(fixed.replace(fixed.find("max_active_runs: 1"), 18, "max_active_runs: 2"));
  ASSERT_TRUE(registry->Reload().has_value());
  const LoadedDag* dag = registry->Find("monthly");
  EXPECT_EQ(dag->version_number, 2);
  EXPECT_EQ(dag->spec->max_active_runs, 2);
  EXPECT_TRUE(dag->import_error.empty());
  EXPECT_TRUE(store_->ListImportErrors()->empty());
}

TEST_F(DagRegistryTest, FixingTheFileBackToTheLastGoodTextClearsTheError) {
  auto registry = NewRegistry();
  Write(Broken());
  ASSERT_TRUE(registry->Reload().has_value());
  Write(kGood);
  ASSERT_TRUE(registry->Reload().has_value());
  EXPECT_TRUE(registry->Find("monthly")->import_error.empty());
  EXPECT_EQ(registry->Find("monthly")->version_number, 1);
}

TEST_F(DagRegistryTest, ADeletedFileMakesTheDagInactiveAndABrokenOneDoesNotRevive) {
  auto registry = NewRegistry();
  std::filesystem::remove(File());
  ASSERT_TRUE(registry->Reload().has_value());
  EXPECT_EQ(registry->Find("monthly"), nullptr);
  EXPECT_FALSE(store_->GetDag("monthly")->is_active);
  Write(Broken());
  ASSERT_TRUE(registry->Reload().has_value());
  EXPECT_EQ(registry->Find("monthly"), nullptr);
  EXPECT_FALSE(store_->GetDag("monthly")->is_active);
  EXPECT_EQ(NewRegistry()->Find("monthly"), nullptr);
}

TEST_F(DagRegistryTest, ABrokenFileThatNeverLoadedIsOnlyAnImportError) {
  Write(Broken());
  auto registry = NewRegistry();
  EXPECT_TRUE(registry->dags().empty());
  EXPECT_EQ(registry->import_errors().size(), 1u);
}

}  // namespace
}  // namespace weir
