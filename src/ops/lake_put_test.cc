#include "ops/lake_put.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "base/hash.h"
#include "env/temp_dir.h"

namespace weir {
namespace {

class LakePutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_.Join("work"));
    std::ofstream(dir_.Join("work/out.csv")) << "a,b\n1,2\n";
    ctx_.work_dir = dir_.Join("work");
    ctx_.lake_uri = "file://" + dir_.Join("lake");
  }
  TempDir dir_;
  NativeContext ctx_;
  LakePutOperator op_;
};

TEST_F(LakePutTest, PublishesARelativeInputAtALakeKey) {
  Json args = {{"input", "out.csv"}, {"target", "lake://raw/t/year=2021/data.csv"}};
  Json r = op_.Run(args, ctx_).value();
  EXPECT_EQ(r["uri"], "lake://raw/t/year=2021/data.csv");
  EXPECT_EQ(r["path"], dir_.Join("lake/raw/t/year=2021/data.csv"));
  EXPECT_EQ(r["size"], 8);
  EXPECT_EQ(r["sha256"], Sha256Hex("a,b\n1,2\n"));
  EXPECT_TRUE(std::filesystem::exists(dir_.Join("lake/raw/t/year=2021/data.csv")));
}

TEST_F(LakePutTest, PublishesToAFileUri) {
  std::string target = "file://" + dir_.Join("elsewhere/x.csv");
  Json r = op_.Run({{"input", dir_.Join("work/out.csv")}, {"target", target}}, ctx_).value();
  EXPECT_EQ(r["path"], dir_.Join("elsewhere/x.csv"));
}

TEST_F(LakePutTest, AWrongChecksumOrTargetPublishesNothing) {
  auto r = op_.Run(
      {{"input", "out.csv"}, {"target", "lake://a.csv"}, {"expected_sha256", Sha256Hex("other")}},
      ctx_);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("nothing was published"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir_.Join("lake/a.csv")));
  auto s3 = op_.Run({{"input", "out.csv"}, {"target", "s3://bucket/a.csv"}}, ctx_);
  ASSERT_FALSE(s3.has_value());
  EXPECT_NE(s3.error().message.find("lake://"), std::string::npos);
  auto escape = op_.Run({{"input", "out.csv"}, {"target", "lake://../a.csv"}}, ctx_);
  ASSERT_FALSE(escape.has_value());
}

TEST_F(LakePutTest, TheChildsResultBecomesTheXComAndItsErrorTheTaskError) {
  AttemptEvent ok;
  ok.exit_code = 0;
  ok.result = Json{{"result", {{"sha256", "abc"}}}};
  TaskOutcome good = op_.Interpret({}, ok);
  EXPECT_EQ(good.state, TaskState::kSuccess);
  EXPECT_EQ(good.xcom["sha256"], "abc");
  AttemptEvent bad;
  bad.exit_code = 1;
  bad.error = "exited with status 1";
  bad.result = Json{{"error", "lake_put: cannot read /x: No such file or directory"}};
  TaskOutcome failed = op_.Interpret({}, bad);
  EXPECT_EQ(failed.state, TaskState::kFailed);
  EXPECT_EQ(failed.error, "lake_put: cannot read /x: No such file or directory");
}

}  // namespace
}  // namespace weir
