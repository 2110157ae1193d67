#include "transfer/run.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "base/hash.h"
#include "base/strings.h"
#include "base/url.h"
#include "env/temp_dir.h"
#include "net/test_http_server.h"

namespace weir {
namespace {

namespace fs = std::filesystem;

class RunTransferTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    env_.work_dir = dir_.Join("work");
    env_.report_path = dir_.Join("report.jsonl");
    env_.start = std::chrono::time_point_cast<Micros>(std::chrono::system_clock::now());
    env_.lake_uri = "file://" + dir_.Join("lake");
  }
  void Write(const std::string& rel, const std::string& content) {
    fs::path p = dir_.Join(rel);
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
  }
  std::string Read(const std::string& rel) {
    std::ifstream in(dir_.Join(rel), std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  bool Exists(const std::string& rel) { return fs::exists(dir_.Join(rel)); }
  TransferSpec Spec(const Json& more = Json::object()) {
    Json fields = {{"source", "file://" + dir_.Join("src") + "/"},
                   {"sink", "file://" + dir_.Join("dst") + "/"}};
    for (const auto& [k, v] : more.items()) fields[k] = v;
    return ParseTransferSpec(fields).value();
  }
  // The report's lines as "key action".
  std::vector<std::string> ReportLines() {
    std::vector<std::string> out;
    std::ifstream in(env_.report_path);
    for (std::string line; std::getline(in, line);) {
      Json j = Json::parse(line);
      out.push_back(j["key"].get<std::string>() + " " + j["action"].get<std::string>());
    }
    std::ranges::sort(out);
    return out;
  }

  TempDir dir_;
  TransferEnv env_;
};

TEST_F(RunTransferTest, CopiesThenARerunCopiesNothing) {
  Write("src/a.csv", "a,b\n1,2\n");
  Write("src/sub dir/ü+%.csv", "x\n");
  Write("src/empty", "");
  Write("dst/same.csv", "same\n");
  Write("src/same.csv", "same\n");
  Write("dst/changed.csv", "old\n");
  Write("src/changed.csv", "new\n");
  std::vector<std::string> written;
  env_.on_written = [&written](const TransferItem& item, const ObjectInfo& info,
                               const std::string& store) -> Status {
    written.push_back(item.key + "@" + store + " " + info.sha256.substr(0, 8));
    return {};
  };
  TransferOutcome first = RunTransfer(Spec(), env_).value();
  EXPECT_EQ(first.failures, 0);
  EXPECT_EQ(Read("dst/a.csv"), "a,b\n1,2\n");
  EXPECT_EQ(Read("dst/sub dir/ü+%.csv"), "x\n");
  EXPECT_TRUE(Exists("dst/empty"));
  EXPECT_EQ(Read("dst/changed.csv"), "new\n");
  EXPECT_EQ(first.counters.objects_copied_to_sink, 4);
  EXPECT_EQ(first.counters.bytes_copied_to_sink, 8 + 2 + 0 + 4);
  // same.csv: same size and no listed checksum, so both files were hashed: the same.
  EXPECT_EQ(first.counters.objects_from_source_skipped_by_sync, 1);
  EXPECT_EQ(first.counters.objects_found_from_source, 4);
  EXPECT_EQ(written.size(), 4u);
  EXPECT_EQ(ReportLines(),
            (std::vector<std::string>{"a.csv copied", "changed.csv copied", "empty copied",
                                      "same.csv skipped", "sub dir/ü+%.csv copied"}));
  // Nothing left behind in the work folder.
  EXPECT_TRUE(fs::is_empty(env_.work_dir));

  TransferOutcome again = RunTransfer(Spec(), env_).value();
  EXPECT_EQ(again.counters.objects_copied_to_sink, 0);
  EXPECT_EQ(again.counters.objects_from_source_skipped_by_sync, 5);
  Json summary = again.Summary(Spec());
  EXPECT_EQ(summary["counters"]["objects_from_source_skipped_by_sync"], 5);
  EXPECT_EQ(summary["failures"], 0);
}

TEST_F(RunTransferTest, ADryRunReportsAndChangesNothing) {
  Write("src/a", "1");
  Write("dst/only", "2");
  TransferOutcome out =
      RunTransfer(Spec({{"dry_run", true}, {"delete_objects_unique_in_sink", true}}), env_).value();
  EXPECT_FALSE(Exists("dst/a"));
  EXPECT_TRUE(Exists("dst/only"));
  EXPECT_EQ(out.counters.objects_found_from_source, 1);
  EXPECT_EQ(out.counters.objects_found_only_from_sink, 1);
  EXPECT_EQ(out.counters.objects_copied_to_sink, 0);
  EXPECT_EQ(ReportLines(), (std::vector<std::string>{"a would copy", "only would delete"}));
  EXPECT_EQ(out.Summary(Spec({{"dry_run", true}}))["dry_run"], true);
}

TEST_F(RunTransferTest, AMirrorDeletesWhatOnlyTheSinkHas) {
  Write("src/keep", "k");
  Write("dst/keep", "k");
  Write("dst/gone", "g");
  Write("dst/other/x", "o");
  TransferOutcome out =
      RunTransfer(Spec({{"delete_objects_unique_in_sink", true}, {"exclude_prefixes", {"other/"}}}),
                  env_)
          .value();
  EXPECT_FALSE(Exists("dst/gone"));
  EXPECT_TRUE(Exists("dst/other/x"));  // outside the prefixes: not considered
  EXPECT_EQ(out.counters.objects_deleted_from_sink, 1);
  EXPECT_EQ(out.counters.bytes_deleted_from_sink, 1);
}

// One object that cannot be written fails alone (a folder in the sink stands where the file
// would go): the others are copied, the outcome counts it, and a mirror then deletes nothing
// (a transfer that did not complete must not empty the sink).
TEST_F(RunTransferTest, OneFailureDoesNotStopTheOthersAndHoldsTheDeletes) {
  Write("src/a", "1");
  Write("src/blocked", "2");
  Write("src/z", "3");
  Write("dst/blocked/inner", "in the way");
  Write("dst/only", "4");
  TransferOutcome out = RunTransfer(Spec({{"delete_objects_unique_in_sink", true}}), env_).value();
  EXPECT_EQ(out.failures, 1);
  EXPECT_EQ(out.counters.objects_from_source_failed, 1);
  EXPECT_EQ(out.counters.bytes_from_source_failed, 1);
  EXPECT_EQ(out.counters.objects_copied_to_sink, 2);
  EXPECT_EQ(Read("dst/z"), "3");
  EXPECT_TRUE(Exists("dst/only"));
  EXPECT_TRUE(Exists("dst/blocked/inner"));
  EXPECT_EQ(out.deletes_held, "2 objects only in the sink were not deleted: 1 objects failed");
  ASSERT_EQ(out.failed.size(), 1u);
  EXPECT_TRUE(out.failed[0].starts_with("blocked: ")) << out.failed[0];
  EXPECT_EQ(ReportLines(),
            (std::vector<std::string>{"a copied", "blocked failed", "blocked/inner kept",
                                      "only kept", "z copied"}));
  EXPECT_TRUE(fs::is_empty(env_.work_dir));
}

TEST_F(RunTransferTest, AMoveDeletesTheSourceAfterEachCopy) {
  Write("src/a", "1");
  Write("src/b", "22");
  TransferOutcome out =
      RunTransfer(Spec({{"delete_objects_from_source_after_transfer", true}}), env_).value();
  EXPECT_EQ(Read("dst/a"), "1");
  EXPECT_EQ(Read("dst/b"), "22");
  EXPECT_FALSE(Exists("src/a"));
  EXPECT_FALSE(Exists("src/b"));
  EXPECT_EQ(out.counters.objects_deleted_from_source, 2);
  EXPECT_EQ(out.counters.bytes_deleted_from_source, 3);
}

// lake:// sides are the default lake; a missing source folder is an error that changes
// nothing; max_deletes stops a transfer before it copies anything.
TEST_F(RunTransferTest, LakeSidesMissingSourcesAndMaxDeletes) {
  Write("lake/raw/t/x.parquet", "PAR1");
  TransferSpec to_lake = ParseTransferSpec(Json{{"source", "lake://raw/"},
                                                {"sink", "file://" + dir_.Join("out") + "/"}})
                             .value();
  EXPECT_EQ(RunTransfer(to_lake, env_)->counters.objects_copied_to_sink, 1);
  EXPECT_EQ(Read("out/t/x.parquet"), "PAR1");

  auto missing = RunTransfer(Spec(), env_);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message.find("is not a folder"), std::string::npos);
  EXPECT_FALSE(Exists("dst"));

  Write("src/new", "n");
  Write("dst/old1", "1");
  Write("dst/old2", "2");
  auto refused =
      RunTransfer(Spec({{"delete_objects_unique_in_sink", true}, {"max_deletes", 1}}), env_);
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().message.find("more than max_deletes 1"), std::string::npos);
  EXPECT_FALSE(Exists("dst/new"));
  EXPECT_TRUE(Exists("dst/old1"));
}

// A manifest narrows the source to the objects it names; one it names that the source lacks
// is a failure of that object, and the others still copy.
TEST_F(RunTransferTest, AManifestNamesTheObjectsToConsider) {
  Write("src/a.csv", "a");
  Write("src/doe,john.txt", "dj");
  Write("src/not listed", "n");
  Write("lists/m.csv", "a.csv\n\"doe,john.txt\",note\ngone.csv\n");
  TransferOutcome out =
      RunTransfer(Spec({{"manifest", "file://" + dir_.Join("lists/m.csv")}}), env_).value();
  EXPECT_EQ(out.counters.objects_copied_to_sink, 2);
  EXPECT_EQ(out.failures, 1);
  EXPECT_EQ(Read("dst/doe,john.txt"), "dj");
  EXPECT_FALSE(Exists("dst/not listed"));
  EXPECT_EQ(ReportLines(),
            (std::vector<std::string>{"a.csv copied", "doe,john.txt copied", "gone.csv failed"}));

  auto unreadable = RunTransfer(Spec({{"manifest", dir_.Join("lists/none.csv")}}), env_);
  ASSERT_FALSE(unreadable);
  EXPECT_NE(unreadable.error().message.find("reading the manifest"), std::string::npos)
      << unreadable.error().message;
}

// A URL list: each URL fetched and checked against the list's size and MD5 (a mismatch or a
// 404 fails that object and leaves nothing in the sink); a second run skips what is there.
TEST_F(RunTransferTest, AUrlListFetchesChecksAndSkipsOnTheSecondRun) {
  Write("web/data/a b.csv", "a,b\n1,2\n");
  Write("web/data/changed.csv", "new content\n");
  Write("web/empty", "");
  Write("web/size.csv", "xxx");
  TestHttpServer server(dir_.Join("web"));
  ASSERT_GT(server.port(), 0);
  auto line = [&](const std::string& path, const std::string& content) {
    Md5 md5;
    md5.Update(content);
    return fmt::format("{}\t{}\t{}\n", server.Url(path), content.size(),
                       Base64Encode(md5.Digest()));
  };
  Write("list.tsv", "TsvHttpData-1.0\n" + line("data/a%20b.csv", "a,b\n1,2\n") +
                        line("data/changed.csv", "old content\n") + line("empty", "") +
                        line("missing.csv", "x") + line("size.csv", "xx"));
  TransferSpec spec = ParseTransferSpec(Json{{"url_list", dir_.Join("list.tsv")},
                                             {"sink", "file://" + dir_.Join("dst") + "/"},
                                             {"max_failures", 5}})
                          .value();
  TransferOutcome out = RunTransfer(spec, env_).value();
  EXPECT_EQ(out.counters.objects_copied_to_sink, 2);
  EXPECT_EQ(out.failures, 3);
  EXPECT_EQ(Read("dst/127.0.0.1/data/a b.csv"), "a,b\n1,2\n");
  EXPECT_TRUE(Exists("dst/127.0.0.1/empty"));
  EXPECT_FALSE(Exists("dst/127.0.0.1/data/changed.csv"));
  EXPECT_FALSE(Exists("dst/127.0.0.1/missing.csv"));
  std::string failed = Join(out.failed, "\n");
  EXPECT_NE(failed.find("sent 3 bytes where url_list line 6 says 2"), std::string::npos) << failed;
  EXPECT_NE(failed.find("whose MD5 is"), std::string::npos) << failed;
  EXPECT_NE(failed.find("HTTP 404"), std::string::npos) << failed;
  EXPECT_EQ(ReportLines(), (std::vector<std::string>{
                               "127.0.0.1/data/a b.csv copied", "127.0.0.1/data/changed.csv failed",
                               "127.0.0.1/empty copied", "127.0.0.1/missing.csv failed",
                               "127.0.0.1/size.csv failed"}));

  TransferOutcome again = RunTransfer(spec, env_).value();
  EXPECT_EQ(again.counters.objects_copied_to_sink, 0);
  EXPECT_EQ(again.counters.objects_from_source_skipped_by_sync, 2);
  for (const fs::directory_entry& e : fs::recursive_directory_iterator(dir_.Join("work"))) {
    ADD_FAILURE() << "left in the work folder: " << e.path();
  }
}

}  // namespace
}  // namespace weir
