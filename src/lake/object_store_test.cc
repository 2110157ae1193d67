// Written against ObjectStore& (opened by URI), so that when s3://, gs:// and az:// lakes
// arrive the fixture is parameterised by URI and every kind passes the same tests.
#include "lake/object_store.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "base/hash.h"
#include "env/process_table.h"
#include "env/temp_dir.h"
#include "lake/file/file_store.h"

namespace weir {
namespace {

namespace fs = std::filesystem;

class ObjectStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    store_ = OpenObjectStore("file://" + dir_.Join("lake")).value();
  }

  std::string Local(const std::string& name, const std::string& content) {
    std::string path = dir_.Join(name);
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }

  std::string Read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }

  // Every file under the lake folder, temporary ones included.
  std::vector<std::string> FilesOnDisk() {
    std::vector<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(dir_.Join("lake"))) {
      if (e.is_regular_file()) out.push_back(e.path().filename().string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  TempDir dir_;
  std::unique_ptr<ObjectStore> store_;
};

TEST_F(ObjectStoreTest, PutThenGetRoundTripsWithTheChecksum) {
  std::string content = "VendorID,fare\n1,2.5\n";
  ObjectInfo info =
      store_->Put("raw/yellow/year=2021/month=01/data.csv", Local("src.csv", content)).value();
  EXPECT_EQ(info.size, static_cast<int64_t>(content.size()));
  EXPECT_EQ(info.sha256, Sha256Hex(content));
  auto head = store_->Head("raw/yellow/year=2021/month=01/data.csv").value();
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->size, info.size);
  ASSERT_TRUE(
      store_->Get("raw/yellow/year=2021/month=01/data.csv", dir_.Join("back.csv")).has_value());
  EXPECT_EQ(Read(dir_.Join("back.csv")), content);
}

TEST_F(ObjectStoreTest, LargeFilesStreamInPiecesAndHashTheSame) {
  std::string content(5 * 1024 * 1024 + 123, '\0');
  for (size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>(i * 131 % 251);
  ObjectInfo info = store_->Put("big.bin", Local("big.bin", content)).value();
  EXPECT_EQ(info.sha256, Sha256Hex(content));
  EXPECT_EQ(info.size, static_cast<int64_t>(content.size()));
}

TEST_F(ObjectStoreTest, AChecksumMismatchPublishesNothingAndKeepsThePreviousObject) {
  ASSERT_TRUE(store_->Put("a/data.csv", Local("v1.csv", "version 1")).has_value());
  PutOptions wrong;
  wrong.expected_sha256 = Sha256Hex("something else");
  auto r = store_->Put("a/data.csv", Local("v2.csv", "version 2"), wrong);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("nothing was published"), std::string::npos);
  ASSERT_TRUE(store_->Get("a/data.csv", dir_.Join("out.csv")).has_value());
  EXPECT_EQ(Read(dir_.Join("out.csv")), "version 1");
  EXPECT_EQ(FilesOnDisk(), std::vector<std::string>{"data.csv"});  // no temporary left
}

TEST_F(ObjectStoreTest, AMissingSourceFailsAndLeavesNothing) {
  auto r = store_->Put("a/data.csv", dir_.Join("no-such-file.csv"));
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("no-such-file.csv"), std::string::npos);
  EXPECT_FALSE(store_->Head("a/data.csv").value().has_value());
  EXPECT_TRUE(FilesOnDisk().empty());
  EXPECT_FALSE(fs::exists(dir_.Join("lake/a")));  // not even an empty folder
}

TEST_F(ObjectStoreTest, AKilledPutsTemporaryFileIsNeverListed) {
  fs::create_directories(dir_.Join("lake/a"));
  std::ofstream(dir_.Join("lake/a/.weir-tmp-0123456789abcdef")) << "half of an upl";
  ASSERT_TRUE(store_->Put("a/b.csv", Local("b.csv", "b")).has_value());
  auto listed = store_->List("").value();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].key, "a/b.csv");
}

TEST_F(ObjectStoreTest, TheNextPutRemovesTheTemporaryOfAKilledPutButNotOfALiveOne) {
  fs::create_directories(dir_.Join("lake/a"));
  // A writer that no longer runs (pid 999999 with a start time no process has), an older
  // weir's temporary not written for two hours, and one of this live process.
  std::string dead = ".weir-tmp-999999-1-00000000000000aa";
  std::string old = ".weir-tmp-00000000000000bb";
  int64_t start = ReadProcessEntry(getpid())->start_ticks;
  std::string live = fmt::format(".weir-tmp-{}-{}-00000000000000cc", getpid(), start);
  for (const auto& name : {dead, old, live}) std::ofstream(dir_.Join("lake/a/" + name)) << "half";
  fs::last_write_time(dir_.Join("lake/a/" + old),
                      fs::file_time_type::clock::now() - std::chrono::hours(2));
  fs::create_directories(dir_.Join("lake/other"));
  std::ofstream(dir_.Join("lake/other/" + dead)) << "half";

  ASSERT_TRUE(store_->Put("a/b.csv", Local("b.csv", "b")).has_value());
  std::vector<std::string> expected{live, dead, "b.csv"};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(FilesOnDisk(), expected)
      << "the put cleans its own folder only, and keeps a live writer's temporary";

  // `weir lake fsck` sweeps the whole lake: dry run first.
  std::vector<std::string> found = RemoveStaleTemporaries(dir_.Join("lake"), true, true);
  EXPECT_EQ(found, std::vector<std::string>{dir_.Join("lake/other/" + dead)});
  EXPECT_EQ(FilesOnDisk().size(), 3u);
  EXPECT_EQ(RemoveStaleTemporaries(dir_.Join("lake"), true), found);
  EXPECT_EQ(FilesOnDisk(), (std::vector<std::string>{live, "b.csv"}));
}

TEST_F(ObjectStoreTest, ListIsRecursiveSortedAndFilteredByPrefix) {
  for (const char* key : {"raw/y/2021/02.csv", "raw/y/2021/01.csv", "raw/g/01.csv", "other"}) {
    ASSERT_TRUE(store_->Put(key, Local("x", key)).has_value());
  }
  std::vector<ObjectInfo> listed = store_->List("raw/y/").value();
  std::vector<std::string> keys;
  keys.reserve(listed.size());
  for (const auto& o : listed) keys.push_back(o.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"raw/y/2021/01.csv", "raw/y/2021/02.csv"}));
  EXPECT_EQ(store_->List("").value().size(), 4u);
}

TEST_F(ObjectStoreTest, CopyAndDelete) {
  ASSERT_TRUE(store_->Put("a.csv", Local("a", "alpha")).has_value());
  ObjectInfo copy = store_->Copy("a.csv", "backup/a.csv").value();
  EXPECT_EQ(copy.sha256, Sha256Hex("alpha"));
  ASSERT_TRUE(store_->Delete("a.csv").has_value());
  EXPECT_FALSE(store_->Head("a.csv").value().has_value());
  EXPECT_TRUE(store_->Delete("a.csv").has_value());  // deleting what is gone is fine
  EXPECT_EQ(store_->Copy("a.csv", "b.csv").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->Get("a.csv", dir_.Join("x")).error().code, ErrorCode::kNotFound);
}

TEST_F(ObjectStoreTest, KeysThatEscapeTheLakeAreRejected) {
  std::string src = Local("s", "s");
  for (const char* key : {"../outside.csv", "/etc/passwd", "a//b", "a/./b", "", "a/../../b"}) {
    auto r = store_->Put(key, src);
    ASSERT_FALSE(r.has_value()) << key;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << key;
  }
  EXPECT_FALSE(fs::exists(dir_.Join("outside.csv")));
}

// file:// only: a folder inside the lake that is a link to elsewhere.
TEST_F(ObjectStoreTest, ALinkInsideTheFileLakeCannotTakeAPutOutside) {
  fs::create_directories(dir_.Join("lake/raw"));
  fs::create_directories(dir_.Join("outside"));
  fs::create_directory_symlink(dir_.Join("outside"), dir_.Join("lake/raw/escape"));
  auto put = store_->Put("raw/escape/x.csv", Local("s", "s"));
  ASSERT_FALSE(put.has_value());
  EXPECT_EQ(put.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(put.error().message.find("symbolic link"), std::string::npos) << put.error().message;
  EXPECT_NE(put.error().message.find(dir_.Join("outside")), std::string::npos);
  EXPECT_TRUE(fs::is_empty(dir_.Join("outside")));
  EXPECT_FALSE(store_->Put("raw/escape/deeper/x.csv", Local("s", "s")).has_value());
  EXPECT_FALSE(fs::exists(dir_.Join("outside/deeper")));
  // Nor can a linked object be read or copied from outside.
  std::ofstream(dir_.Join("outside/secret")) << "secret";
  fs::create_symlink(dir_.Join("outside/secret"), dir_.Join("lake/raw/secret.csv"));
  EXPECT_FALSE(store_->Get("raw/secret.csv", dir_.Join("got")).has_value());
  EXPECT_FALSE(store_->Copy("raw/secret.csv", "raw/copy.csv").has_value());
  // Links that stay inside the lake are fine.
  fs::create_directory_symlink(dir_.Join("lake/raw"), dir_.Join("lake/alias"));
  EXPECT_TRUE(store_->Put("alias/ok.csv", Local("s", "s")).has_value());
}

// Whatever the umask: lake files hold data that may be private.
TEST_F(ObjectStoreTest, FileLakeObjectsAreOwnerOnly) {
  mode_t old = umask(0);
  auto put = store_->Put("a/b.csv", Local("s", "s"));
  umask(old);
  ASSERT_TRUE(put.has_value()) << put.error().message;
  for (const char* path : {"lake/a/b.csv", "lake/a"}) {
    auto perms = fs::status(dir_.Join(path)).permissions();
    EXPECT_EQ(perms & (fs::perms::group_all | fs::perms::others_all), fs::perms::none) << path;
  }
}

TEST(OpenObjectStore, UnsupportedOrRelativeUrisAreExplained) {
  auto s3 = OpenObjectStore("s3://bucket/prefix");
  ASSERT_FALSE(s3.has_value());
  EXPECT_NE(s3.error().message.find("file:///"), std::string::npos);
  EXPECT_FALSE(OpenObjectStore("file://relative/path").has_value());
}

}  // namespace
}  // namespace weir
