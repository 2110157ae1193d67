// The API's settings and accounts: variables (a secret's value never leaves), pools, users,
// sessions and tokens, and the audit log of their changes.
#include <gtest/gtest.h>

#include "engine/connections.h"
#include "web/api_test_fixture.h"

namespace weir {
namespace {

using AdminTest = ApiTest;

TEST_F(AdminTest, ASecretVariablesValueIsNeverReturned) {
  ApiResponse set = Call("POST", "/variables",
                         {{"key", "db_password"}, {"value", "s3cr3t-value"}, {"is_secret", true}});
  ASSERT_EQ(set.status, 200) << set.body.dump();
  EXPECT_EQ(set.body["value"], "***");
  ASSERT_EQ(Call("POST", "/variables", {{"key", "region"}, {"value", "eu"}}).status, 200);

  ApiResponse list = Get("/variables", {}, viewer_);
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.body["total_entries"], 2);
  EXPECT_EQ(list.body.dump().find("s3cr3t"), std::string::npos) << list.body.dump();
  for (const auto& v : list.body["variables"]) {
    EXPECT_EQ(v["value"], v["key"] == "region" ? "eu" : "***") << v.dump();
  }
  // Nor through a run's conf, or an error message that quotes it.
  Json run = TriggerRun("etl", "r1", "2024-01-01T00:00:00Z", {{"pw", "s3cr3t-value"}});
  EXPECT_EQ(run["conf"]["pw"], "***");
  ApiResponse error = Get("/dags/etl/dagRuns/s3cr3t-value");
  EXPECT_EQ(error.status, 404);
  EXPECT_EQ(error.body.dump().find("s3cr3t"), std::string::npos) << error.body.dump();
  // The audit log says it changed, never what to.
  auto events = AuditEvents();
  ASSERT_EQ(events[0].action, "variable_set");
  EXPECT_EQ(events[0].details.dump().find("s3cr3t"), std::string::npos);
  // The store keeps the value for the tasks that use it.
  EXPECT_EQ(store_->GetVariable("db_password").value().value, "s3cr3t-value");
}

TEST_F(AdminTest, VariablesAreValidatedUpdatedAndDeleted) {
  EXPECT_EQ(Call("POST", "/variables", {{"key", "k"}}).status, 400);  // no value
  EXPECT_EQ(Call("POST", "/variables", {{"key", ""}, {"value", "v"}}).status, 400);
  EXPECT_EQ(Call("POST", "/variables", {{"key", "k"}, {"value", 3}}).status, 400);
  ASSERT_EQ(Call("PATCH", "/variables/k", {{"value", "v2"}}, op_).status, 200);
  EXPECT_EQ(store_->GetVariable("k").value().value, "v2");
  ApiResponse deleted = Call("DELETE", "/variables/k", nullptr, op_);
  ASSERT_EQ(deleted.status, 200);
  EXPECT_EQ(deleted.body["deleted"], "k");
  EXPECT_FALSE(store_->GetVariable("k").has_value());
  EXPECT_EQ(Call("DELETE", "/variables/k").status, 404);
  auto events = AuditEvents();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].action, "variable_delete");
}

TEST_F(AdminTest, ConnectionSecretsAreWriteOnly) {
  ApiResponse made =
      Call("POST", "/connections",
           {{"connection_id", "lake"},
            {"conn_type", "aws"},
            {"login", "AKIAEXAMPLE"},
            {"password", "Zx9-secret-key"},
            {"extra", {{"region_name", "eu-west-1"}, {"aws_session_token", "Zx9tok"}}}},
           op_);
  ASSERT_EQ(made.status, 200) << made.body.dump();
  EXPECT_EQ(made.body["password_set"], true);
  EXPECT_EQ(made.body["extra"]["aws_session_token"], "***");
  EXPECT_EQ(
      Call("POST", "/connections", {{"connection_id", "lake"}, {"conn_type", "aws"}}, op_).status,
      409);
  ApiResponse one = Get("/connections/lake", {}, op_);
  ASSERT_EQ(one.status, 200) << one.body.dump();
  EXPECT_EQ(one.body["login"], "AKIAEXAMPLE");
  EXPECT_EQ(one.body["extra"]["region_name"], "eu-west-1");
  EXPECT_FALSE(one.body.contains("password"));
  ApiResponse list = Get("/connections", {}, op_);
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.body["total_entries"], 1);
  EXPECT_EQ(list.body.dump().find("Zx9"), std::string::npos) << list.body.dump();
  EXPECT_EQ(one.body.dump().find("Zx9"), std::string::npos) << one.body.dump();

  // A PATCH that sends the secrets back as *** (or leaves them out) keeps them.
  ApiResponse patched =
      Call("PATCH", "/connections/lake",
           {{"host", "s3.example"},
            {"password", "***"},
            {"extra", {{"region_name", "us-east-1"}, {"aws_session_token", "***"}}}},
           op_);
  ASSERT_EQ(patched.status, 200) << patched.body.dump();
  Connection stored = FindConnection(*store_, dir_.Join("secret.key"), "lake").value();
  EXPECT_EQ(stored.host, "s3.example");
  EXPECT_EQ(stored.password, "Zx9-secret-key");
  EXPECT_EQ(stored.extra["aws_session_token"], "Zx9tok");
  EXPECT_EQ(stored.extra["region_name"], "us-east-1");

  // Viewers see none of it; bad input is a 400 that names the field.
  EXPECT_EQ(Get("/connections", {}, viewer_).status, 403);
  EXPECT_EQ(Get("/connections/lake", {}, viewer_).status, 403);
  EXPECT_EQ(Call("POST", "/connections", {{"connection_id", "x"}}, op_).status, 400);
  EXPECT_EQ(
      Call("POST", "/connections", {{"connection_id", "../x"}, {"conn_type", "http"}}, op_).status,
      400);
  ApiResponse bad = Call("POST", "/connections",
                         {{"connection_id", "x"}, {"conn_type", "http"}, {"hots", "h"}}, op_);
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.dump().find("unknown field 'hots'"), std::string::npos) << bad.body.dump();
  EXPECT_EQ(Call("PATCH", "/connections/nope", {{"host", "h"}}, op_).status, 404);
  // A check that cannot run is an answer (status false), not an error; viewers may not ask.
  ASSERT_EQ(Call("POST", "/connections", {{"connection_id", "db"}, {"conn_type", "postgres"}}, op_)
                .status,
            200);
  ApiResponse tested = Call("POST", "/connections/db/test", nullptr, op_);
  ASSERT_EQ(tested.status, 200) << tested.body.dump();
  EXPECT_EQ(tested.body["status"], false);
  EXPECT_NE(tested.body["message"].get<std::string>().find("no check"), std::string::npos);
  EXPECT_EQ(Call("POST", "/connections/nope/test", nullptr, op_).status, 404);
  EXPECT_EQ(Call("POST", "/connections/lake/test", nullptr, viewer_).status, 403);
  ASSERT_EQ(Call("DELETE", "/connections/lake", nullptr, op_).status, 200);
  EXPECT_EQ(Get("/connections/lake", {}, op_).status, 404);
  auto events = AuditEvents();
  ASSERT_GE(events.size(), 3u);
  EXPECT_EQ(events.back().action, "connection_delete");
  for (const auto& e : events) EXPECT_EQ(e.details.dump().find("Zx9"), std::string::npos);
}

TEST_F(AdminTest, PoolsAreCreatedListedChangedAndDeleted) {
  ApiResponse made = Call("POST", "/pools", {{"name", "db"}, {"slots", 3}, {"description", "x"}});
  ASSERT_EQ(made.status, 200) << made.body.dump();
  EXPECT_EQ(made.body["slots"], 3);
  ApiResponse list = Get("/pools", {}, viewer_);
  bool found = false;
  for (const auto& p : list.body["pools"]) found |= p["name"] == "db" && p["slots"] == 3;
  EXPECT_TRUE(found) << list.body.dump();
  ASSERT_EQ(Call("PATCH", "/pools/db", {{"slots", 5}}, op_).status, 200);
  EXPECT_EQ(store_->GetPool("db").value().slots, 5);

  for (const Json& bad : {Json{{"name", "db"}, {"slots", -1}}, Json{{"name", "db"}, {"slots", 1.5}},
                          Json{{"name", "db"}}, Json{{"name", ""}, {"slots", 1}}}) {
    ApiResponse r = Call("POST", "/pools", bad);
    EXPECT_EQ(r.status, 400) << bad.dump();
    EXPECT_EQ(ErrorCodeOf(r), "invalid_argument");
  }
  EXPECT_EQ(store_->GetPool("db").value().slots, 5);
  ASSERT_EQ(Call("DELETE", "/pools/db").status, 200);
  EXPECT_EQ(Call("DELETE", "/pools/db").status, 404);
  std::vector<std::string> actions;
  for (const auto& e : AuditEvents()) actions.push_back(e.action);
  EXPECT_EQ(actions, (std::vector<std::string>{"pool_set", "pool_set", "pool_delete"}));
}

TEST_F(AdminTest, AnAdminManagesUsersAndTheirRolesTakeEffect) {
  ApiResponse made =
      Call("POST", "/users", {{"username", "nina"}, {"role", "viewer"}, {"password", kPassword}});
  ASSERT_EQ(made.status, 200) << made.body.dump();
  EXPECT_EQ(made.body["role"], "viewer");
  EXPECT_FALSE(made.body.contains("password_hash"));
  EXPECT_EQ(Call("POST", "/users", {{"username", "nina"}, {"role", "op"}, {"password", kPassword}})
                .status,
            409);
  EXPECT_EQ(
      Call("POST", "/users", {{"username", "x"}, {"role", "king"}, {"password", kPassword}}).status,
      400);
  EXPECT_EQ(
      Call("POST", "/users", {{"username", "y"}, {"role", "op"}, {"password", "short"}}).status,
      400);

  // vera becomes an op: her token may now write.
  ASSERT_EQ(Call("PATCH", "/dags/etl", {{"is_paused", true}}, viewer_).status, 403);
  ApiResponse promoted = Call("PATCH", "/users/vera", {{"role", "op"}});
  ASSERT_EQ(promoted.status, 200) << promoted.body.dump();
  EXPECT_EQ(Call("PATCH", "/dags/etl", {{"is_paused", true}}, viewer_).status, 200);

  ApiResponse users = Get("/users");
  ASSERT_EQ(users.status, 200);
  EXPECT_EQ(users.body["total_entries"], 4);
  ApiResponse self = Call("DELETE", "/users/ADA");
  EXPECT_EQ(self.status, 409);
  EXPECT_NE(MessageOf(self).find("cannot delete yourself"), std::string::npos);
  ASSERT_EQ(Call("DELETE", "/users/nina").status, 200);
  EXPECT_FALSE(store_->GetUser("nina").has_value());
  EXPECT_EQ(Call("DELETE", "/users/nina").status, 404);

  std::vector<std::string> actions;
  for (const auto& e : AuditEvents()) actions.push_back(e.action);
  EXPECT_EQ(actions,
            (std::vector<std::string>{"user_create", "user_role", "pause", "user_delete"}));
}

TEST_F(AdminTest, ARevokedOrExpiredTokenIsRefusedWith401) {
  Authenticator auth(*store_);
  std::string brief =
      auth.CreateToken("otto", "brief", clock_.Now() + std::chrono::hours(1), clock_.Now())
          .value()
          .token;
  EXPECT_EQ(Get("/dags", {}, brief).status, 200);
  clock_.Advance(std::chrono::hours(2));  // the API's clock decides when a token expires
  ApiResponse expired = Get("/dags", {}, brief);
  EXPECT_EQ(expired.status, 401);
  EXPECT_EQ(ErrorCodeOf(expired), "unauthenticated");

  EXPECT_EQ(Get("/dags", {}, op_).status, 200);
  ASSERT_TRUE(RevokeToken(*store_, "otto", "t").has_value());
  EXPECT_EQ(Get("/dags", {}, op_).status, 401);
}

TEST_F(AdminTest, ASessionLogsInWritesWithItsCsrfTokenOnlyAndLogsOut) {
  ApiRequest login;
  login.method = "POST";
  login.path = "/auth/login";
  login.content_type = "application/json";
  login.body = Json{{"username", "otto"}, {"password", kPassword}}.dump();
  ApiResponse in = api_->Handle(login);
  ASSERT_EQ(in.status, 200) << in.body.dump();
  EXPECT_EQ(in.body["role"], "op");
  ASSERT_EQ(in.set_cookies.size(), 1u);
  const std::string& cookie = in.set_cookies[0];
  ASSERT_EQ(cookie.rfind("weir_session=", 0), 0u) << cookie;
  std::string session = cookie.substr(13, cookie.find(';') - 13);
  std::string csrf = in.body["csrf_token"].get<std::string>();

  ApiRequest pause;
  pause.method = "PATCH";
  pause.path = "/dags/etl";
  pause.body = Json{{"is_paused", true}}.dump();
  pause.session_id = session;
  ApiResponse no_csrf = api_->Handle(pause);
  EXPECT_EQ(no_csrf.status, 403);
  EXPECT_EQ(ErrorCodeOf(no_csrf), "csrf");
  pause.csrf_token = csrf;
  pause.origin = "https://evil.example";
  pause.host = "127.0.0.1:8080";
  ApiResponse cross = api_->Handle(pause);
  EXPECT_EQ(cross.status, 403);
  EXPECT_EQ(ErrorCodeOf(cross), "cross_site");
  EXPECT_FALSE(store_->GetDag("etl").value().is_paused);
  pause.origin = "http://127.0.0.1:8080";
  ASSERT_EQ(api_->Handle(pause).status, 200);
  EXPECT_TRUE(store_->GetDag("etl").value().is_paused);
  EXPECT_EQ(AuditEvents().back().source, "ui");

  ApiRequest logout = pause;
  logout.method = "POST";
  logout.path = "/auth/logout";
  logout.body.clear();
  ASSERT_EQ(api_->Handle(logout).status, 200);
  ApiRequest me;
  me.method = "GET";
  me.path = "/auth/me";
  me.session_id = session;
  EXPECT_EQ(api_->Handle(me).status, 401);

  login.body = Json{{"username", "otto"}, {"password", "wrong password"}}.dump();
  EXPECT_EQ(api_->Handle(login).status, 401);
  login.content_type = "text/plain";
  EXPECT_EQ(api_->Handle(login).status, 415);
}

TEST_F(AdminTest, TheAuditLogIsReadableAndAccountEventsAreForAdminsOnly) {
  ASSERT_EQ(Call("PATCH", "/dags/etl", {{"is_paused", true}}).status, 200);
  ASSERT_EQ(Call("PATCH", "/users/vera", {{"role", "viewer"}}).status, 200);
  ApiResponse admin = Get("/eventLogs");
  ASSERT_EQ(admin.status, 200) << admin.body.dump();
  EXPECT_EQ(admin.body["total_entries"], 2);
  ApiResponse viewer = Get("/eventLogs", {}, viewer_);
  ASSERT_EQ(viewer.status, 200) << viewer.body.dump();
  EXPECT_EQ(viewer.body["total_entries"], 1);
  EXPECT_EQ(viewer.body.dump().find("user_role"), std::string::npos);
}

}  // namespace
}  // namespace weir
