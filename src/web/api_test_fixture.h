#pragma once

// The API's handlers, driven through ApiRequest / ApiResponse: a real SQLite store in a fresh
// temporary folder, a FakeClock, a FakeExecutor (to see what a clear or a mark kills), and
// one user with an API token per role.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "auth/authenticator.h"
#include "auth/password.h"
#include "auth/users.h"
#include "env/temp_dir.h"
#include "exec/fake_executor.h"
#include "store/sqlite/sqlite_store.h"
#include "web/api.h"

namespace weir {

class ApiTest : public ::testing::Test {
 protected:
  static constexpr std::string_view kPassword = "correct horse battery";

  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    std::filesystem::create_directories(dir_.Join("dags"));
    std::filesystem::create_directories(dir_.Join("logs"));
    // extract -> transform -> load, and transform -> report.
    WriteDag("etl", R"(dag_id: etl
tags: [daily]
tasks:
  - {task_id: extract, operator: empty}
  - {task_id: transform, operator: empty, depends_on: [extract]}
  - {task_id: load, operator: empty, depends_on: [transform]}
  - {task_id: report, operator: empty, depends_on: [transform]}
)");
    WriteDag("params", R"(dag_id: params
strict_conf: true
params:
  color: {default: yellow, enum: [yellow, green]}
  count: {default: 1, type: integer, minimum: 1, maximum: 10}
tasks:
  - {task_id: only, operator: empty}
)");
    store_ = SqliteStore::Open(db_path()).value();
    ASSERT_TRUE(store_->Migrate().has_value());
    for (auto [name, role] : {std::pair{"vera", "viewer"}, {"otto", "op"}, {"ada", "admin"}}) {
      User u;
      u.username = name;
      u.role = role;
      u.password_hash = PasswordHash();
      u.created_at = clock_.Now();
      ASSERT_TRUE(store_->CreateUser(u).has_value());
    }
    Authenticator auth(*store_);
    viewer_ = auth.CreateToken("vera", "t", std::nullopt, clock_.Now()).value().token;
    op_ = auth.CreateToken("otto", "t", std::nullopt, clock_.Now()).value().token;
    admin_ = auth.CreateToken("ada", "t", std::nullopt, clock_.Now()).value().token;
    OpenApi();
  }

  void OpenApi() {
    ApiConfig config;
    config.dags_folder = dir_.Join("dags");
    config.logs_folder = dir_.Join("logs");
    config.home = dir_.path();
    config.secret_key_file = dir_.Join("secret.key");
    std::string path = db_path();
    auto api = Api::Open(
        config,
        [path]() -> Result<std::unique_ptr<MetadataStore>> { return SqliteStore::Open(path); },
        clock_, executor_);
    ASSERT_TRUE(api.has_value()) << api.error().message;
    api_ = std::move(*api);
  }

  void WriteDag(const std::string& name, const std::string& yaml) {
    std::ofstream(dir_.Join("dags/" + name + ".yaml")) << yaml;
  }

  std::string db_path() const { return dir_.Join("weir.db"); }

  // The hash of kPassword, made once per test binary: argon2id takes ~50 ms a hash.
  static const std::string& PasswordHash() {
    static const std::string kHash = HashPassword(kPassword).value();
    return kHash;
  }

  // A request with a bearer token (admin unless told), its JSON body as text.
  ApiResponse Call(const std::string& method, const std::string& path, const Json& body = nullptr,
                   const std::string& token = "", std::map<std::string, std::string> query = {}) {
    ApiRequest req;
    req.method = method;
    req.path = path;
    req.query = std::move(query);
    if (!body.is_null()) req.body = body.dump();
    req.content_type = "application/json";
    req.bearer_token = token.empty() ? admin_ : token;
    req.remote_addr = "10.0.0.7";
    return api_->Handle(req);
  }
  ApiResponse Get(const std::string& path, std::map<std::string, std::string> query = {},
                  const std::string& token = "") {
    return Call("GET", path, nullptr, token, std::move(query));
  }

  // The error code of an error answer, after checking its shape: {"error": {code, message}}
  // with a message that says something.
  static std::string ErrorCodeOf(const ApiResponse& r) {
    bool shaped = r.body.contains("error") && r.body["error"].is_object();
    EXPECT_TRUE(shaped) << r.body.dump();
    if (!shaped) return "";
    const Json& e = r.body["error"];
    EXPECT_TRUE(e["message"].is_string() && !e["message"].get<std::string>().empty())
        << r.body.dump();
    return e["code"].is_string() ? e["code"].get<std::string>() : "";
  }
  static std::string MessageOf(const ApiResponse& r) {
    if (!r.body.contains("error") || !r.body["error"].is_object()) return "";
    const Json& e = r.body["error"];
    return e.contains("message") && e["message"].is_string() ? e["message"].get<std::string>() : "";
  }

  // Triggers a run of `dag` with the id and logical date given; returns its answer.
  Json TriggerRun(const std::string& dag, const std::string& run_id,
                  const std::string& logical_date, Json conf = Json::object()) {
    ApiResponse r = Call("POST", "/dags/" + dag + "/dagRuns",
                         {{"dag_run_id", run_id}, {"logical_date", logical_date}, {"conf", conf}});
    EXPECT_EQ(r.status, 200) << r.body.dump();
    return r.body;
  }

  void SetTaskState(const std::string& dag, const std::string& run, const std::string& task,
                    TaskState state) {
    TaskInstance ti = store_->GetTaskInstance(dag, run, task).value();
    ti.state = state;
    ASSERT_TRUE(store_->UpdateTaskInstance(ti).has_value());
  }
  TaskState TaskStateOf(const std::string& dag, const std::string& run, const std::string& task) {
    return store_->GetTaskInstance(dag, run, task).value().state;
  }

  // The audit log's actions, oldest first.
  std::vector<AuditEvent> AuditEvents() {
    auto events = store_->ListAuditEvents({}).value();
    std::reverse(events.begin(), events.end());
    return events;
  }

  TempDir dir_;
  FakeClock clock_{ParseDateTime("2024-05-01T10:00:00Z").value()};
  FakeExecutor executor_;
  std::unique_ptr<SqliteStore> store_;  // the test's own connection, to arrange and inspect
  std::unique_ptr<Api> api_;
  std::string viewer_, op_, admin_;  // bearer tokens of vera, otto and ada
};

}  // namespace weir
