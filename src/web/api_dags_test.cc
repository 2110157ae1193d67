// The API's DAG endpoints, its error bodies, and what each role may do.
#include <gtest/gtest.h>

#include "web/api_test_fixture.h"

namespace weir {
namespace {

using DagsTest = ApiTest;

std::vector<std::string> DagIds(const Json& body) {
  std::vector<std::string> ids;
  for (const auto& d : body["dags"]) ids.push_back(d["dag_id"].get<std::string>());
  return ids;
}

TEST_F(DagsTest, ListFiltersByPatternTagsAndPausedAndPages) {
  ApiResponse all = Get("/dags");
  ASSERT_EQ(all.status, 200) << all.body.dump();
  EXPECT_EQ(DagIds(all.body), (std::vector<std::string>{"etl", "params"}));
  EXPECT_EQ(all.body["total_entries"], 2);
  EXPECT_EQ(DagIds(Get("/dags", {{"dag_id_pattern", "ET"}}).body), std::vector<std::string>{"etl"});
  EXPECT_EQ(DagIds(Get("/dags", {{"tags", "daily"}}).body), std::vector<std::string>{"etl"});
  ApiResponse page = Get("/dags", {{"limit", "1"}, {"offset", "1"}});
  EXPECT_EQ(DagIds(page.body), std::vector<std::string>{"params"});
  EXPECT_EQ(page.body["total_entries"], 2);

  ASSERT_EQ(Call("PATCH", "/dags/etl", {{"is_paused", true}}).status, 200);
  EXPECT_EQ(DagIds(Get("/dags", {{"paused", "true"}}).body), std::vector<std::string>{"etl"});
  EXPECT_EQ(DagIds(Get("/dags", {{"paused", "false"}}).body), std::vector<std::string>{"params"});
}

TEST_F(DagsTest, BadQueryParametersAre400sNamingTheParameter) {
  for (auto [name, value] :
       {std::pair{"limit", "1001"}, {"limit", "x"}, {"offset", "-1"}, {"paused", "maybe"}}) {
    ApiResponse r = Get("/dags", {{name, value}});
    EXPECT_EQ(r.status, 400) << name << "=" << value;
    EXPECT_EQ(ErrorCodeOf(r), "invalid_argument");
    EXPECT_NE(MessageOf(r).find(name), std::string::npos) << MessageOf(r);
  }
}

TEST_F(DagsTest, DetailHasTasksAndParamsAndUnknownDagsAre404) {
  ApiResponse r = Get("/dags/params");
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["dag_id"], "params");
  EXPECT_EQ(r.body["strict_conf"], true);
  ASSERT_EQ(r.body["tasks"].size(), 1u);
  EXPECT_EQ(r.body["tasks"][0]["task_id"], "only");
  ASSERT_EQ(r.body["params"].size(), 2u);
  EXPECT_EQ(r.body["is_paused"], false);

  ApiResponse missing = Get("/dags/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(ErrorCodeOf(missing), "not_found");
  EXPECT_EQ(Get("/dags/nope/dagRuns").status, 404);
  ApiResponse no_endpoint = Get("/nothing/here");
  EXPECT_EQ(no_endpoint.status, 404);
  EXPECT_EQ(ErrorCodeOf(no_endpoint), "not_found");
}

TEST_F(DagsTest, PauseAndUnpauseAreRecordedInTheAuditLog) {
  ApiResponse paused = Call("PATCH", "/dags/etl", {{"is_paused", true}}, op_);
  ASSERT_EQ(paused.status, 200) << paused.body.dump();
  EXPECT_EQ(paused.body["is_paused"], true);
  EXPECT_TRUE(store_->GetDag("etl").value().is_paused);
  ASSERT_EQ(Call("PATCH", "/dags/etl", {{"is_paused", false}}, op_).status, 200);
  EXPECT_FALSE(store_->GetDag("etl").value().is_paused);

  auto events = AuditEvents();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].action, "pause");
  EXPECT_EQ(events[0].username, "otto");
  EXPECT_EQ(events[0].source, "api");
  EXPECT_EQ(events[0].origin, "10.0.0.7");
  EXPECT_EQ(events[0].dag_id, "etl");
  EXPECT_EQ(events[0].when, clock_.Now());
  EXPECT_EQ(events[1].action, "unpause");
}

TEST_F(DagsTest, PauseRefusesABadBodyAndAnUnknownDag) {
  ApiResponse bad = Call("PATCH", "/dags/etl", {{"is_paused", "yes"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(ErrorCodeOf(bad), "invalid_argument");
  ApiRequest not_json;
  not_json.method = "PATCH";
  not_json.path = "/dags/etl";
  not_json.body = "{nope";
  not_json.bearer_token = admin_;
  EXPECT_EQ(api_->Handle(not_json).status, 400);
  EXPECT_EQ(Call("PATCH", "/dags/nope", {{"is_paused", true}}).status, 404);
  EXPECT_FALSE(store_->GetDag("etl").value().is_paused);
  EXPECT_TRUE(AuditEvents().empty());
}

TEST_F(DagsTest, AViewerReadsButEveryWriteIsRefusedWith403) {
  EXPECT_EQ(Get("/dags", {}, viewer_).status, 200);
  EXPECT_EQ(Get("/variables", {}, viewer_).status, 200);
  TriggerRun("etl", "r1", "2024-01-01T00:00:00Z");
  const std::vector<std::pair<std::string, std::string>> writes = {
      {"PATCH", "/dags/etl"},
      {"POST", "/dags/etl/dagRuns"},
      {"PATCH", "/dags/etl/dagRuns/r1"},
      {"POST", "/dags/etl/dagRuns/r1/clear"},
      {"PATCH", "/dags/etl/dagRuns/r1/taskInstances/load"},
      {"POST", "/dags/etl/dagRuns/r1/taskInstances/load/clear"},
      {"POST", "/dags/etl/clearTaskInstances"},
      {"POST", "/dags/etl/updateTaskInstancesState"},
      {"POST", "/variables"},
      {"PATCH", "/variables/k"},
      {"DELETE", "/variables/k"},
      {"POST", "/pools"},
      {"PATCH", "/pools/p"},
      {"DELETE", "/pools/p"},
      {"POST", "/users"},
      {"PATCH", "/users/otto"},
      {"DELETE", "/users/otto"},
  };
  size_t events = AuditEvents().size();
  for (const auto& [method, path] : writes) {
    ApiResponse r = Call(method, path, {{"is_paused", true}, {"state", "failed"}}, viewer_);
    EXPECT_EQ(r.status, 403) << method << " " << path;
    EXPECT_EQ(ErrorCodeOf(r), "forbidden") << method << " " << path;
    EXPECT_NE(MessageOf(r).find("vera has role viewer"), std::string::npos) << MessageOf(r);
  }
  EXPECT_EQ(AuditEvents().size(), events);
  EXPECT_FALSE(store_->GetDag("etl").value().is_paused);
  EXPECT_EQ(store_->GetRun("etl", "r1").value().state, RunState::kQueued);
}

TEST_F(DagsTest, AnOpChangesRunsButNotUsers) {
  EXPECT_EQ(Call("PATCH", "/dags/etl", {{"is_paused", true}}, op_).status, 200);
  ApiResponse users = Get("/users", {}, op_);
  EXPECT_EQ(users.status, 403);
  EXPECT_NE(MessageOf(users).find("this needs admin"), std::string::npos) << MessageOf(users);
  EXPECT_EQ(Call("DELETE", "/users/vera", nullptr, op_).status, 403);
  EXPECT_TRUE(store_->GetUser("vera").has_value());
}

TEST_F(DagsTest, RequestsWithoutValidCredentialsAre401AndHealthIsPublic) {
  ApiRequest anonymous;
  anonymous.method = "GET";
  anonymous.path = "/dags";
  ApiResponse r = api_->Handle(anonymous);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(ErrorCodeOf(r), "unauthenticated");
  anonymous.bearer_token = "weir_not_a_token";
  EXPECT_EQ(api_->Handle(anonymous).status, 401);
  anonymous.path = "/health";
  anonymous.bearer_token.clear();
  ApiResponse health = api_->Handle(anonymous);
  EXPECT_NE(health.status, 401);
  EXPECT_TRUE(health.body.contains("metadatabase")) << health.body.dump();
}

TEST_F(DagsTest, ADagAddedAfterStartIsServedOnceTheStoreKnowsIt) {
  WriteDag("late", "dag_id: late\ntasks:\n  - {task_id: a, operator: empty}\n");
  EXPECT_EQ(Get("/dags/late").status, 404);  // not parsed yet: no row
  ASSERT_TRUE(api_->ReloadDags().has_value());
  ApiResponse r = Get("/dags/late");
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["tasks"][0]["task_id"], "a");
}

}  // namespace
}  // namespace weir
