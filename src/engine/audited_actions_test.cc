// AuditedActions: each action and its audit event, in one transaction.
#include "engine/audited_actions.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "env/temp_dir.h"
#include "exec/fake_executor.h"
#include "ops/registry.h"
#include "store/sqlite/sqlite_store.h"

namespace weir {
namespace {

class AuditedActionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_.Join("dags"));
    std::ofstream(dir_.Join("dags/d.yaml"))
        << "dag_id: d\ntasks:\n  - task_id: a\n    operator: empty\n"
           "  - task_id: b\n    operator: empty\n    depends_on: [a]\n";
    store_ = SqliteStore::Open(dir_.Join("weir.db")).value();
    ASSERT_TRUE(store_->Migrate().has_value());
    registry_ =
        std::make_unique<DagRegistry>(*store_, clock_, dir_.Join("dags"), OperatorSchemas());
    ASSERT_TRUE(registry_->Reload().has_value());
    actions_ = std::make_unique<AuditedActions>(*store_, clock_, executor_,
                                                Actor{"alice", "api", "10.0.0.7"});
  }

  std::vector<AuditEvent> Events() { return store_->ListAuditEvents({}).value(); }

  TempDir dir_;
  FakeClock clock_{ParseDateTime("2024-05-01T10:00:00Z").value()};
  FakeExecutor executor_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<DagRegistry> registry_;
  std::unique_ptr<AuditedActions> actions_;
};

TEST_F(AuditedActionsTest, TriggerRecordsWhoWhenAndTheRun) {
  TriggerRequest req;
  req.run_id = "r1";
  req.conf = {{"x", 1}};
  DagRun run = actions_->Trigger(*registry_->Find("d"), req).value();
  auto events = Events();
  ASSERT_EQ(events.size(), 1u);
  const AuditEvent& e = events[0];
  EXPECT_EQ(e.action, "trigger");
  EXPECT_EQ(e.username, "alice");
  EXPECT_EQ(e.source, "api");
  EXPECT_EQ(e.origin, "10.0.0.7");
  EXPECT_EQ(e.when, clock_.Now());
  EXPECT_EQ(e.dag_id, "d");
  EXPECT_EQ(e.run_id, run.run_id);
  EXPECT_EQ(e.details["conf"], (Json{{"x", 1}}));
}

TEST_F(AuditedActionsTest, ClearAndMarkRecordTheTaskInstancesWithTheirStatesBefore) {
  TriggerRequest req;
  req.run_id = "r1";
  ASSERT_TRUE(actions_->Trigger(*registry_->Find("d"), req).has_value());
  const DagSpec& spec = *registry_->Find("d")->spec;
  ClearRequest mark;
  mark.run_id = "r1";
  mark.task_ids = {"a"};
  mark.downstream = true;
  ClearRequest dry = mark;
  dry.dry_run = true;
  ASSERT_EQ(actions_->Mark(spec, dry, TaskState::kFailed).value().size(), 2u);  // not recorded
  ASSERT_EQ(actions_->Mark(spec, mark, TaskState::kFailed).value().size(), 2u);
  ClearRequest clear;
  clear.run_id = "r1";
  clear.task_ids = {"a"};
  ASSERT_EQ(actions_->Clear(spec, clear).value().size(), 1u);

  auto events = Events();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].action, "clear");
  EXPECT_EQ(events[0].task_id, "a");
  EXPECT_EQ(events[0].details["cleared"],
            Json::parse(R"([{"run_id":"r1","task_id":"a","was":"failed"}])"));
  EXPECT_EQ(events[1].action, "mark_task");
  EXPECT_EQ(events[1].details["state"], "failed");
  EXPECT_EQ(events[1].details["downstream"], true);
  EXPECT_EQ(events[1].details["marked"],
            Json::parse(R"([{"run_id":"r1","task_id":"a","was":"none"},)"
                        R"({"run_id":"r1","task_id":"b","was":"none"}])"));
  // A mark records who made it on the task instance too (the audit actor).
  EXPECT_EQ(store_->GetTaskInstance("d", "r1", "b").value().marked->by, events[1].username);
}

TEST_F(AuditedActionsTest, AVariableEventSaysWhetherTheValueChangedButNeverTheValue) {
  ASSERT_TRUE(actions_->SetVariable(Variable{"k", "hunter22", "", true}).has_value());
  ASSERT_TRUE(actions_->SetVariable(Variable{"k", "hunter22", "", true}).has_value());
  ASSERT_TRUE(actions_->SetVariable(Variable{"k", "swordfish", "", true}).has_value());
  ASSERT_TRUE(actions_->DeleteVariable("k").has_value());
  auto events = Events();
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[3].details["created"], true);
  EXPECT_EQ(events[2].details["value_changed"], false);
  EXPECT_EQ(events[1].details["value_changed"], true);
  EXPECT_EQ(events[0].action, "variable_delete");
  for (const auto& e : events) {
    std::string text = e.details.dump();
    EXPECT_EQ(text.find("hunter22"), std::string::npos) << text;
    EXPECT_EQ(text.find("swordfish"), std::string::npos) << text;
  }
}

TEST_F(AuditedActionsTest, AFailedActionRecordsNothing) {
  const DagSpec& spec = *registry_->Find("d")->spec;
  ClearRequest missing;
  missing.run_id = "no_such_run";
  EXPECT_FALSE(actions_->Clear(spec, missing).has_value());
  EXPECT_FALSE(actions_->DeleteVariable("missing").has_value());
  EXPECT_FALSE(actions_->SetPaused("no_such_dag", true).has_value());
  EXPECT_TRUE(Events().empty());
}

TEST_F(AuditedActionsTest, RecordRunsTheChangeAndTheEventTogether) {
  AuditEvent e;
  e.action = "user_delete";
  Status failed = actions_->Record(e, [] { return Err(ErrorCode::kNotFound, "no user"); });
  EXPECT_FALSE(failed.has_value());
  EXPECT_TRUE(Events().empty());
  ASSERT_TRUE(actions_->Record(e, [] { return Status{}; }).has_value());
  ASSERT_EQ(Events().size(), 1u);
  EXPECT_EQ(Events()[0].username, "alice");
}

}  // namespace
}  // namespace weir
