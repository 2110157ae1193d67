// The log endpoint with remote_logs: a try whose log file is not on this machine is read from
// the copy in remote_logs (engine/remote_logs.h), with offsets, masking, `finished` and long
// polls as for a local file.
#include <gtest/gtest.h>

#include <future>

#include "engine/remote_logs.h"
#include "env/files.h"
#include "web/api_test_fixture.h"

namespace weir {
namespace {

const AttemptKey kTry{"etl", "r1", "extract", 1};
constexpr std::string_view kLogPath = "/dags/etl/dagRuns/r1/taskInstances/extract/logs/1";

class RemoteLogsApiTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    ApiConfig config;
    config.dags_folder = dir_.Join("dags");
    config.logs_folder = dir_.Join("logs");
    config.home = dir_.path();
    config.secret_key_file = dir_.Join("secret.key");
    config.remote_logs = "file://" + dir_.Join("remote");
    std::string path = db_path();
    auto api = Api::Open(
        config,
        [path]() -> Result<std::unique_ptr<MetadataStore>> { return SqliteStore::Open(path); },
        clock_, executor_);
    ASSERT_TRUE(api.has_value()) << api.error().message;
    api_ = std::move(*api);
    TriggerRun("etl", "r1", "2024-01-01T00:00:00Z");
    // extract is running its try 1 (on a worker elsewhere: no file here).
    TaskInstance ti = store_->GetTaskInstance("etl", "r1", "extract").value();
    ti.state = TaskState::kRunning;
    ti.try_number = 1;
    ASSERT_TRUE(store_->UpdateTaskInstance(ti).has_value());
    TaskTry t;
    t.dag_id = "etl";
    t.run_id = "r1";
    t.task_id = "extract";
    t.try_number = 1;
    t.state = TaskState::kRunning;
    t.log_path = AttemptLogPath(dir_.Join("logs"), kTry);
    ASSERT_TRUE(store_->InsertTry(t).has_value());
  }

  // What a worker would have sent: `text` as the remote copy of try 1's log.
  void SendRemote(const std::string& text) {
    std::string source = dir_.Join("sent.log");
    ASSERT_TRUE(WriteFileAtomic(source, text).has_value());
    auto store = OpenRemoteLogs("file://" + dir_.Join("remote"), {}).value();
    ASSERT_TRUE(store->Put(RemoteLogKey(kTry).value(), source).has_value());
  }

  ApiResponse Log(std::map<std::string, std::string> query = {}) {
    return Get(std::string(kLogPath), std::move(query), viewer_);
  }
};

TEST_F(RemoteLogsApiTest, ALogWhoseFileIsMissingIsReadFromItsRemoteCopy) {
  SendRemote("line one\nline two\n");
  ApiResponse whole = Log();
  ASSERT_EQ(whole.status, 200) << whole.body.dump();
  EXPECT_EQ(whole.body["content"], "line one\nline two\n");
  EXPECT_EQ(whole.body["size"], 18);
  EXPECT_EQ(whole.body["next_offset"], 18);
  EXPECT_EQ(whole.body["finished"], false);  // the try runs
  ApiResponse tail = Log({{"offset", "9"}});
  EXPECT_EQ(tail.body["content"], "line two\n");

  SendRemote("line one\nline two\n[weir] exit status 0 after 1.00s\n");
  SetTaskState("etl", "r1", "extract", TaskState::kSuccess);
  ApiResponse end = Log({{"offset", "18"}});
  ASSERT_EQ(end.status, 200) << end.body.dump();
  EXPECT_EQ(end.body["content"], "[weir] exit status 0 after 1.00s\n");
  EXPECT_EQ(end.body["finished"], true);
}

TEST_F(RemoteLogsApiTest, TheLocalFileWinsAndTheRemoteCopyIsMaskedAsItIs) {
  ASSERT_EQ(Call("POST", "/variables",
                 {{"key", "token"}, {"value", "hunter2-secret"}, {"is_secret", true}})
                .status,
            200);
  SendRemote("remote copy with hunter2-secret in it\n");
  EXPECT_EQ(Log().body["content"], "remote copy with *** in it\n");
  std::string local = AttemptLogPath(dir_.Join("logs"), kTry);
  std::filesystem::create_directories(std::filesystem::path(local).parent_path());
  ASSERT_TRUE(WriteFileAtomic(local, "the local file\n").has_value());
  EXPECT_EQ(Log().body["content"], "the local file\n");
}

TEST_F(RemoteLogsApiTest, NoFileAndNoCopyYetIsAnEmptyLogOfARunningTry) {
  ApiResponse empty = Log();
  ASSERT_EQ(empty.status, 200) << empty.body.dump();
  EXPECT_EQ(empty.body["content"], "");
  EXPECT_EQ(empty.body["size"], 0);
  EXPECT_EQ(empty.body["finished"], false);
}

// A tail waiting at the end of a running try's log (wait=S) sees what the worker sends next.
TEST_F(RemoteLogsApiTest, ALongPollAtTheEndSeesTheRemoteCopyGrow) {
  SendRemote("first\n");
  auto waited = std::async(std::launch::async, [&] {
    auto started = std::chrono::steady_clock::now();
    ApiResponse r = Log({{"offset", "6"}, {"wait", "10"}});
    return std::pair{r, std::chrono::steady_clock::now() - started};
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  SendRemote("first\nsecond\n");
  auto [r, took] = waited.get();
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["content"], "second\n");
  EXPECT_EQ(r.body["next_offset"], 13);
  EXPECT_LT(took, std::chrono::seconds(5));
}

}  // namespace
}  // namespace weir
