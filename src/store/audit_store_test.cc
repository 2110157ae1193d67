// The AuditStore suite: the audit log.
#include "store/audit_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

#include "store/audit_actions.h"
#include "store/store_test_fixture.h"

namespace weir {
namespace {

using ::testing::ElementsAre;

AuditEvent MakeEvent(std::string_view action, const std::string& when,
                     const std::string& dag_id = "", const std::string& username = "alice") {
  AuditEvent e;
  e.when = Utc(when.c_str());
  e.username = username;
  e.source = "api";
  e.origin = "127.0.0.1";
  e.action = std::string(action);
  e.dag_id = dag_id;
  return e;
}

std::vector<std::string> Actions(const std::vector<AuditEvent>& events) {
  std::vector<std::string> out;
  out.reserve(events.size());
  for (const auto& e : events) out.push_back(e.action);
  return out;
}

TEST_P(AuditStoreTest, AuditEventsRoundTripNewestFirst) {
  AuditEvent clear = MakeEvent(audit::kClear, "2026-01-01T10:00:00Z", "etl");
  clear.run_id = "manual__1";
  clear.task_id = "load";
  clear.details = Json{{"cleared", {{{"task_id", "load"}, {"was", "failed"}}}}};
  int64_t first = store().AddAuditEvent(clear).value();
  ASSERT_OK(store().AddAuditEvent(MakeEvent(audit::kTrigger, "2026-01-01T11:00:00Z", "etl")));
  // The same moment as the trigger: the later id comes first.
  ASSERT_OK(store().AddAuditEvent(MakeEvent(audit::kPause, "2026-01-01T11:00:00Z", "etl")));

  EXPECT_THAT(Actions(store().ListAuditEvents({}).value()),
              ElementsAre("pause", "trigger", "clear"));
  AuditEvent got = store().GetAuditEvent(first).value();
  EXPECT_EQ(got.id, first);
  EXPECT_EQ(got.when, Utc("2026-01-01T10:00:00Z"));
  EXPECT_EQ(got.username, "alice");
  EXPECT_EQ(got.source, "api");
  EXPECT_EQ(got.origin, "127.0.0.1");
  EXPECT_EQ(got.action, "clear");
  EXPECT_EQ(got.dag_id, "etl");
  EXPECT_EQ(got.run_id, "manual__1");
  EXPECT_EQ(got.task_id, "load");
  EXPECT_EQ(got.details, clear.details);
  EXPECT_ERROR(store().GetAuditEvent(first + 100), ErrorCode::kNotFound);
  EXPECT_ERROR(store().AddAuditEvent(AuditEvent{}), ErrorCode::kInvalidArgument);
}

// A filter with the fields `set` sets.
AuditFilter Filter(const std::function<void(AuditFilter&)>& set) {
  AuditFilter f;
  set(f);
  return f;
}

TEST_P(AuditStoreTest, AuditEventsFilterPageAndCount) {
  ASSERT_OK(store().AddAuditEvent(MakeEvent(audit::kTrigger, "2026-01-01T01:00:00Z", "a")));
  ASSERT_OK(store().AddAuditEvent(MakeEvent(audit::kTrigger, "2026-01-01T02:00:00Z", "b", "Bob")));
  ASSERT_OK(store().AddAuditEvent(MakeEvent(audit::kClear, "2026-01-01T03:00:00Z", "a")));
  ASSERT_OK(store().AddAuditEvent(MakeEvent(audit::kUserCreate, "2026-01-01T04:00:00Z")));
  AuditEvent cli = MakeEvent(audit::kPause, "2026-01-01T05:00:00Z", "a", "root");
  cli.source = "cli";
  ASSERT_OK(store().AddAuditEvent(cli));

  AuditFilter by_dag = Filter([](AuditFilter& f) { f.dag_id = "a"; });
  EXPECT_THAT(Actions(store().ListAuditEvents(by_dag).value()),
              ElementsAre("pause", "clear", "trigger"));
  EXPECT_EQ(store().CountAuditEvents(by_dag).value(), 3);
  AuditFilter by_user =
      Filter([](AuditFilter& f) { f.username = "bob"; });  // usernames ignore case
  EXPECT_THAT(Actions(store().ListAuditEvents(by_user).value()), ElementsAre("trigger"));
  AuditFilter by_action = Filter([](AuditFilter& f) { f.action = "trigger"; });
  EXPECT_EQ(store().CountAuditEvents(by_action).value(), 2);
  AuditFilter by_source = Filter([](AuditFilter& f) { f.source = "cli"; });
  EXPECT_THAT(Actions(store().ListAuditEvents(by_source).value()), ElementsAre("pause"));
  AuditFilter window = Filter([](AuditFilter& f) {
    f.after = Utc("2026-01-01T02:00:00Z");
    f.before = Utc("2026-01-01T04:00:00Z");
  });
  EXPECT_THAT(Actions(store().ListAuditEvents(window).value()), ElementsAre("clear", "trigger"));

  AuditFilter viewer;
  viewer.hidden_actions.assign(audit::kAccountActions.begin(), audit::kAccountActions.end());
  EXPECT_THAT(Actions(store().ListAuditEvents(viewer).value()),
              ElementsAre("pause", "clear", "trigger", "trigger"));
  EXPECT_EQ(store().CountAuditEvents(viewer).value(), 4);

  AuditFilter page = Filter([](AuditFilter& f) {
    f.limit = 2;
    f.offset = 1;
  });
  EXPECT_THAT(Actions(store().ListAuditEvents(page).value()), ElementsAre("user_create", "clear"));
  EXPECT_EQ(store().CountAuditEvents(page).value(), 5);  // without limit and offset
  AuditFilter past_end = Filter([](AuditFilter& f) {
    f.limit = 10;
    f.offset = 10;
  });
  EXPECT_TRUE(store().ListAuditEvents(past_end).value().empty());
}

TEST_P(AuditStoreTest, AuditEventsAddedInATransactionThatFailsAreNotKept) {
  Status failed = store().Transaction([&]() -> Status {
    TRY(store().AddAuditEvent(MakeEvent(audit::kTrigger, "2026-01-01T01:00:00Z", "a")));
    return Err(ErrorCode::kInternal, "the change failed");
  });
  EXPECT_FALSE(failed.has_value());
  EXPECT_EQ(store().CountAuditEvents({}).value(), 0);
}

TEST_P(AuditStoreTest, DeleteAuditEventsBeforeKeepsNewerOnes) {
  ASSERT_OK(store().AddAuditEvent(MakeEvent(audit::kTrigger, "2025-01-01T00:00:00Z", "a")));
  ASSERT_OK(store().AddAuditEvent(MakeEvent(audit::kClear, "2025-06-01T00:00:00Z", "a")));
  ASSERT_OK(store().AddAuditEvent(MakeEvent(audit::kPause, "2026-01-01T00:00:00Z", "a")));
  EXPECT_EQ(store().DeleteAuditEventsBefore(Utc("2025-06-01T00:00:00Z")).value(), 1);
  EXPECT_THAT(Actions(store().ListAuditEvents({}).value()), ElementsAre("pause", "clear"));
}

WEIR_STORE_SUITE(AuditStoreTest);

}  // namespace
}  // namespace weir
