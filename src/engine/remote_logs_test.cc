// Logs that outlive workers: the key layout, the shipper's sends while a try runs and at its
// end, and reading a remote copy back.
#include "engine/remote_logs.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "env/files.h"
#include "env/temp_dir.h"

namespace weir {
namespace {

namespace fs = std::filesystem;
using std::chrono_literals::operator""ms;

const AttemptKey kKey{"etl", "manual__2026-01-01T00:00:00+00:00", "load", 2};

void Append(const std::string& path, std::string_view text) {
  std::ofstream(path, std::ios::binary | std::ios::app) << text;
}

// Polls `done` for up to 10 s.
bool Eventually(const std::function<bool()>& done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return done();
}

// A file:// lake that refuses every put while `refuse` is set.
class FlakyStore : public ObjectStore {
 public:
  explicit FlakyStore(std::unique_ptr<ObjectStore> inner) : inner_(std::move(inner)) {}
  std::atomic<bool> refuse{false};
  std::atomic<int> puts{0};

  std::string uri() const override { return inner_->uri(); }
  Result<ObjectInfo> Put(const std::string& key, const std::string& source,
                         const PutOptions& options) override {
    ++puts;
    if (refuse) return Err(ErrorCode::kUnavailable, "the test refuses puts");
    return inner_->Put(key, source, options);
  }
  Status Get(const std::string& key, const std::string& dest) override {
    return inner_->Get(key, dest);
  }
  Result<std::optional<ObjectInfo>> Head(const std::string& key) override {
    return inner_->Head(key);
  }
  Result<std::vector<ObjectInfo>> List(const std::string& prefix) override {
    return inner_->List(prefix);
  }
  Status Delete(const std::string& key) override { return inner_->Delete(key); }
  Result<ObjectInfo> Copy(const std::string& from, const std::string& to) override {
    return inner_->Copy(from, to);
  }

 private:
  std::unique_ptr<ObjectStore> inner_;
};

class RemoteLogsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log_path_ = AttemptLogPath(dir_.Join("logs"), kKey);
    fs::create_directories(fs::path(log_path_).parent_path());
    auto store = OpenRemoteLogs("file://" + dir_.Join("remote"), {});
    ASSERT_TRUE(store.has_value()) << store.error().message;
    auto flaky = std::make_unique<FlakyStore>(std::move(*store));
    flaky_ = flaky.get();
    shipper_ = std::make_unique<LogShipper>(std::move(flaky), 20ms);
  }

  // What remote_logs holds for kKey, read as a file of the folder (not through weir's store);
  // nullopt when nothing.
  std::optional<std::string> Remote() const {
    std::string path = dir_.Join("remote/" + RemoteLogKey(kKey).value());
    if (!fs::exists(path)) return std::nullopt;
    return ReadFile(path).value();
  }

  TempDir dir_;
  std::string log_path_;
  FlakyStore* flaky_ = nullptr;
  std::unique_ptr<LogShipper> shipper_;
};

TEST(RemoteLogKey, IsTheLogsPathBelowTheLogsFolder) {
  EXPECT_EQ(RemoteLogKey(kKey).value(), "etl/manual__2026-01-01T00:00:00+00:00/load/attempt-2.log");
  EXPECT_EQ(fs::path(AttemptLogPath("/srv/logs", kKey)).lexically_relative("/srv/logs").string(),
            RemoteLogKey(kKey).value());
  auto escaping = RemoteLogKey(AttemptKey{"etl", "..", "load", 1});
  ASSERT_FALSE(escaping.has_value());
  EXPECT_EQ(escaping.error().code, ErrorCode::kInvalidArgument);
}

TEST(RemoteLogs, AnUnknownSchemeNamesTheSetting) {
  auto store = OpenRemoteLogs("ftp://host/logs", {});
  ASSERT_FALSE(store.has_value());
  EXPECT_NE(store.error().message.find("remote_logs ftp://host/logs"), std::string::npos)
      << store.error().message;
}

TEST_F(RemoteLogsTest, ARunningLogIsSentAsItGrowsUpToItsLastCompleteLine) {
  Append(log_path_, "[weir] started pid 7\nhalf a li");
  shipper_->Follow(kKey, log_path_);
  ASSERT_TRUE(Eventually([&] { return Remote() == "[weir] started pid 7\n"; }))
      << Remote().value_or("(nothing)");
  Append(log_path_, "ne\nsecond line\n");
  ASSERT_TRUE(
      Eventually([&] { return Remote() == "[weir] started pid 7\nhalf a line\nsecond line\n"; }));
  // Nothing new, nothing sent.
  int puts = flaky_->puts;
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(flaky_->puts, puts);
}

TEST_F(RemoteLogsTest, TheEndIsSentWholeBeforeThenRuns) {
  Append(log_path_, "out\n");
  shipper_->Follow(kKey, log_path_);
  Append(log_path_, "[weir] exit status 0 after 0.01s");  // no newline: sent all the same
  std::optional<std::string> seen_by_then;
  std::atomic<bool> ran{false};
  shipper_->Finish(kKey, log_path_, [&] {
    seen_by_then = Remote();
    ran = true;
  });
  ASSERT_TRUE(Eventually([&] { return ran.load(); }));
  EXPECT_EQ(seen_by_then, "out\n[weir] exit status 0 after 0.01s");
  EXPECT_EQ(shipper_->failures(), 0);
}

TEST_F(RemoteLogsTest, AFailedSendIsCountedAndTheEndIsStillReported) {
  flaky_->refuse = true;
  Append(log_path_, "line\n");
  shipper_->Follow(kKey, log_path_);
  ASSERT_TRUE(Eventually([&] { return shipper_->failures() >= 1; }));
  std::atomic<bool> ran{false};
  shipper_->Finish(kKey, log_path_, [&] { ran = true; });
  ASSERT_TRUE(Eventually([&] { return ran.load(); }));
  EXPECT_GE(shipper_->failures(), 2);
  EXPECT_EQ(Remote(), std::nullopt);
  // The next try's send works again.
  flaky_->refuse = false;
  ran = false;
  shipper_->Finish(kKey, log_path_, [&] { ran = true; });
  ASSERT_TRUE(Eventually([&] { return ran.load(); }));
  EXPECT_EQ(Remote(), "line\n");
}

TEST_F(RemoteLogsTest, AnAttemptWithoutALogSendsNothing) {
  std::atomic<int> ran{0};
  shipper_->Finish(kKey, log_path_, [&] { ++ran; });  // no file
  shipper_->Finish(kKey, "", [&] { ++ran; });         // no log at all: at once
  ASSERT_TRUE(Eventually([&] { return ran == 2; }));
  EXPECT_EQ(flaky_->puts, 0);
  EXPECT_EQ(shipper_->failures(), 0);
}

TEST_F(RemoteLogsTest, StopSendsTheEndsAlreadyAskedFor) {
  Append(log_path_, "all of it\n");
  bool ran = false;
  shipper_->Finish(kKey, log_path_, [&] { ran = true; });
  shipper_->Stop();
  EXPECT_TRUE(ran);
  EXPECT_EQ(Remote(), "all of it\n");
  // After Stop, `then` runs at once.
  bool late = false;
  shipper_->Finish(kKey, log_path_, [&] { late = true; });
  EXPECT_TRUE(late);
}

TEST_F(RemoteLogsTest, ACopyIsFetchedAndRefreshedWhenTheRemoteLogChanges) {
  auto store = OpenRemoteLogs("file://" + dir_.Join("remote"), {}).value();
  EXPECT_EQ(RemoteLogCopy::Fetch(*store, kKey).value(), std::nullopt);

  Append(log_path_, "first\n");
  ASSERT_TRUE(store->Put(RemoteLogKey(kKey).value(), log_path_).has_value());
  std::optional<RemoteLogCopy> copy = RemoteLogCopy::Fetch(*store, kKey).value();
  ASSERT_TRUE(copy.has_value());
  EXPECT_EQ(ReadFile(copy->path()).value(), "first\n");
  EXPECT_FALSE(copy->Refresh(*store).value());

  Append(log_path_, "second\n");
  ASSERT_TRUE(store->Put(RemoteLogKey(kKey).value(), log_path_).has_value());
  EXPECT_TRUE(copy->Refresh(*store).value());
  EXPECT_EQ(ReadFile(copy->path()).value(), "first\nsecond\n");

  // The local file goes with the copy.
  std::string path = copy->path();
  copy.reset();
  EXPECT_FALSE(fs::exists(path));
}

}  // namespace
}  // namespace weir
