#include "ops/transfer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "env/temp_dir.h"
#include "ops/registry.h"
#include "store/sqlite/sqlite_store.h"
#include "transfer/spec.h"

namespace weir {
namespace {

namespace fs = std::filesystem;

class TransferOperatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = SqliteStore::Open(dir_.Join("weir.db")).value();
    ASSERT_TRUE(store->Migrate().has_value());
    store_ = std::move(store);
    ctx_.database_url = "sqlite:///" + dir_.Join("weir.db");
    ctx_.lake_uri = "file://" + dir_.Join("lake");
    ctx_.work_dir = dir_.Join("work");
    ctx_.logs_folder = dir_.Join("logs");
    ctx_.dag_id = "archive";
    ctx_.run_id = "manual__1";
    ctx_.task_id = "copy";
    ctx_.try_number = 1;
    fs::create_directories(ctx_.work_dir);
  }
  void Write(const std::string& rel, const std::string& content) {
    fs::path p = dir_.Join(rel);
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
  }

  TempDir dir_;
  NativeContext ctx_;
  std::unique_ptr<SqliteStore> store_;
  TransferOperator op_;
};

// Into the lake: the objects land, each recorded in the catalog with its source as lineage,
// the XCom carries the counters, and the report sits beside the try's log.
TEST_F(TransferOperatorTest, CopiesIntoTheLakeRecordsLineageAndReports) {
  Write("in/2021/01.csv", "a\n1\n");
  Write("in/2021/02.csv", "a\n2\n");
  Json args = {{"source", "file://" + dir_.Join("in") + "/"}, {"sink", "lake://raw/t/"}};
  Json r = op_.Run(args, ctx_).value();
  EXPECT_EQ(r["counters"]["objects_copied_to_sink"], 2);
  EXPECT_EQ(r["counters"]["bytes_copied_to_sink"], 8);
  EXPECT_EQ(r["failures"], 0);
  std::string report = dir_.Join("logs/archive/manual__1/copy/attempt-1.transfer.jsonl");
  EXPECT_EQ(r["report"], report);
  EXPECT_TRUE(fs::exists(report));
  EXPECT_TRUE(fs::exists(dir_.Join("lake/raw/t/2021/02.csv")));

  auto objects = store_->ListLakeObjects("lake://raw/t/").value();
  ASSERT_EQ(objects.size(), 2u);
  EXPECT_EQ(objects[0].uri, "lake://raw/t/2021/01.csv");
  EXPECT_EQ(objects[0].store_uri, ctx_.lake_uri);
  EXPECT_EQ(objects[0].key, "raw/t/2021/01.csv");
  EXPECT_EQ(objects[0].dataset, "raw/t/2021");
  EXPECT_EQ(objects[0].source_url, "file://" + dir_.Join("in") + "/2021/01.csv");
  EXPECT_FALSE(objects[0].source_etag.empty());
  EXPECT_EQ(objects[0].task_id, "copy");
  EXPECT_EQ(objects[0].format, "csv");

  // Again: nothing to copy, nothing recorded twice.
  Json again = op_.Run(args, ctx_).value();
  EXPECT_EQ(again["counters"]["objects_copied_to_sink"], 0);
  EXPECT_EQ(again["counters"]["objects_from_source_skipped_by_sync"], 2);
  EXPECT_EQ(store_->LakeObjectHistory("lake://raw/t/2021/01.csv")->size(), 1u);
}

// The arguments are validated by the spec's rules, and failures beyond max_failures fail the
// task naming the report, the other objects copied all the same.
TEST_F(TransferOperatorTest, BadArgumentsAndTooManyFailuresFailTheTask) {
  auto bad = op_.Run({{"source", "lake://raw/"}, {"sink", "lake://raw/copy/"}}, ctx_);
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("overlap"), std::string::npos);

  Write("in/ok", "1");
  Write("in/blocked", "2");
  Write("out/blocked/inner", "a folder where the file would go");
  Json args = {{"source", "file://" + dir_.Join("in") + "/"},
               {"sink", "file://" + dir_.Join("out") + "/"}};
  auto failed = op_.Run(args, ctx_);
  ASSERT_FALSE(failed.has_value());
  EXPECT_NE(failed.error().message.find("1 objects failed, more than max_failures 0 (first: "
                                        "blocked: "),
            std::string::npos)
      << failed.error().message;
  EXPECT_NE(failed.error().message.find("attempt-1.transfer.jsonl"), std::string::npos);
  EXPECT_TRUE(fs::exists(dir_.Join("out/ok")));
  args["max_failures"] = 1;
  EXPECT_EQ(op_.Run(args, ctx_).value()["failures"], 1);
}

TEST_F(TransferOperatorTest, IsRegisteredWithTheSpecsFields) {
  const Operator* op = FindOperator("transfer");
  ASSERT_NE(op, nullptr);
  std::vector<std::string> names;
  for (const ArgSpec& a : op->schema().args) names.push_back(a.name);
  for (const std::string& f : TransferSpecFields()) {
    EXPECT_NE(std::ranges::find(names, f), names.end()) << f;
  }
}

}  // namespace
}  // namespace weir
