// Default run ids of triggered runs: unique even at one instant.
#include "engine/actions.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "env/temp_dir.h"
#include "ops/registry.h"
#include "store/sqlite/sqlite_store.h"

namespace weir {
namespace {

class RunIdsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_.Join("dags"));
    std::ofstream(dir_.Join("dags/d.yaml"))
        << "dag_id: d\ntasks:\n  - task_id: t\n    operator: empty\n";
    store_ = SqliteStore::Open(dir_.Join("weir.db")).value();
    ASSERT_TRUE(store_->Migrate().has_value());
    registry_ =
        std::make_unique<DagRegistry>(*store_, clock_, dir_.Join("dags"), OperatorSchemas());
    ASSERT_TRUE(registry_->Reload().has_value());
  }

  TempDir dir_;
  FakeClock clock_{ParseDateTime("2024-05-01T10:00:00.123456Z").value()};
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<DagRegistry> registry_;
};

TEST_F(RunIdsTest, TriggersAtTheSameMomentGetUniqueRunIds) {
  const LoadedDag& dag = *registry_->Find("d");
  std::vector<std::string> ids;
  ids.reserve(3);
  for (int i = 0; i < 3; ++i) ids.push_back(TriggerRun(*store_, dag, clock_, {}).value().run_id);
  EXPECT_EQ(ids, (std::vector<std::string>{"manual__2024-05-01T10:00:00.123456+00:00",
                                           "manual__2024-05-01T10:00:00.123456+00:00_2",
                                           "manual__2024-05-01T10:00:00.123456+00:00_3"}));
}

TEST_F(RunIdsTest, AnExplicitLogicalDateOrRunIdIsNotMadeUnique) {
  const LoadedDag& dag = *registry_->Find("d");
  TriggerRequest dated;
  dated.logical_date = ParseDateTime("2024-01-01").value();
  EXPECT_EQ(TriggerRun(*store_, dag, clock_, dated).value().run_id,
            "manual__2024-01-01T00:00:00+00:00");
  EXPECT_EQ(TriggerRun(*store_, dag, clock_, dated).error().code, ErrorCode::kAlreadyExists);
  TriggerRequest named;
  named.run_id = "mine";
  ASSERT_TRUE(TriggerRun(*store_, dag, clock_, named).has_value());
  EXPECT_EQ(TriggerRun(*store_, dag, clock_, named).error().code, ErrorCode::kAlreadyExists);
}

}  // namespace
}  // namespace weir
