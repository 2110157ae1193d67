#include "ops/lake_put.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "base/hash.h"
#include "base/url.h"
#include "duck/duck.h"
#include "env/temp_dir.h"
#include "lake/object_store.h"
#include "net/test_http_server.h"
#include "store/sqlite/sqlite_store.h"

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
  auto az = op_.Run({{"input", "out.csv"}, {"target", "ftp://bucket/a.csv"}}, ctx_);
  ASSERT_FALSE(az.has_value());
  EXPECT_NE(az.error().message.find("lake://"), std::string::npos);
  EXPECT_NE(az.error().message.find("gs://"), std::string::npos);
  auto no_key = op_.Run({{"input", "out.csv"}, {"target", "s3://bucket"}}, ctx_);
  ASSERT_FALSE(no_key.has_value());
  EXPECT_NE(no_key.error().message.find("s3://bucket/path/to/file"), std::string::npos);
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

// A Parquet file of 7 rows with `extra` DOUBLE columns after the two base ones.
void WriteParquet(const std::string& path, int extra) {
  auto db = DuckDatabase::Open("").value();
  auto con = db->Connect().value();
  std::string select = "SELECT range AS VendorID, range * 1.5 AS fare";
  for (int i = 0; i < extra; ++i) select += fmt::format(", 0.5::DOUBLE AS extra{}", i);
  ASSERT_TRUE(con.Execute("COPY (" + select + " FROM range(7)) TO " + DuckString(path) +
                          " (FORMAT parquet)")
                  .has_value());
}

class LakePutCatalogTest : public LakePutTest {
 protected:
  void SetUp() override {
    LakePutTest::SetUp();
    auto store = SqliteStore::Open(dir_.Join("weir.db")).value();
    ASSERT_TRUE(store->Migrate().has_value());
    ctx_.database_url = "sqlite:///" + dir_.Join("weir.db");
    ctx_.dag_id = "taxi";
    ctx_.run_id = "scheduled__2019-01-01";
    ctx_.task_id = "upload";
    ctx_.try_number = 2;
    store_ = std::move(store);
  }
  std::unique_ptr<SqliteStore> store_;
};

// An s3:// target through its aws_conn_id, and lake:// on a default lake in S3 through
// lake_conn_id: published in the bucket, recorded in the catalog, no local path.
TEST_F(LakePutCatalogTest, PublishesToS3ThroughTheNamedConnection) {
  TestS3Server server;
  ASSERT_NE(server.port(), 0);
  std::vector<std::string> asked;
  ctx_.find_connection = [&](const std::string& id) -> Result<Connection> {
    asked.push_back(id);
    return ParseConnectionUri(
        "aws://S3RVER:S3RVER@?endpoint_url=" + PercentEncode(server.Endpoint()), id);
  };
  Json r = op_.Run({{"input", "out.csv"},
                    {"target", "s3://lake/raw/t/year=2021/data.csv"},
                    {"aws_conn_id", "minio"}},
                   ctx_)
               .value();
  EXPECT_EQ(r["uri"], "s3://lake/raw/t/year=2021/data.csv");
  EXPECT_FALSE(r.contains("path"));
  EXPECT_EQ(r["sha256"], Sha256Hex("a,b\n1,2\n"));
  EXPECT_EQ(r["dataset"], "s3://lake/raw/t");
  EXPECT_EQ(asked, std::vector<std::string>{"minio"});
  auto recorded = store_->ListLakeObjects("").value();
  ASSERT_EQ(recorded.size(), 1u);
  EXPECT_EQ(recorded[0].store_uri, "s3://lake");
  EXPECT_EQ(recorded[0].key, "raw/t/year=2021/data.csv");

  ctx_.lake_uri = "s3://lake/warehouse";
  ctx_.lake_conn_id = "lake_s3";
  Json in_lake = op_.Run({{"input", "out.csv"}, {"target", "lake://raw/u/data.csv"}}, ctx_).value();
  EXPECT_EQ(asked.back(), "lake_s3");
  auto lake = OpenObjectStore("s3://lake/warehouse", {"lake_s3", ctx_.find_connection}).value();
  auto head = lake->Head("raw/u/data.csv").value();
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->sha256, Sha256Hex("a,b\n1,2\n"));
}

TEST_F(LakePutCatalogTest, RecordsTheObjectWithSchemaRowsLineageAndSource) {
  WriteParquet(dir_.Join("work/m.parquet"), 0);
  std::ofstream(dir_.Join("work/m.parquet.weir-source.json"))
      << R"({"source_url": "http://127.0.0.1:9/y.csv.gz", "etag": "\"e1\"",
             "last_modified": "Tue, 01 Jan 2019 00:00:00 GMT"})";
  Json r =
      op_.Run({{"input", "m.parquet"}, {"target", "lake://raw/y/year=2019/month=01/m.parquet"}},
              ctx_)
          .value();
  EXPECT_EQ(r["rows"], 7);
  EXPECT_EQ(r["dataset"], "raw/y");
  EXPECT_EQ(r["schema_version"], 1);
  auto objects = store_->ListLakeObjects("lake://raw/y/").value();
  ASSERT_EQ(objects.size(), 1u);
  const LakeObject& o = objects[0];
  EXPECT_EQ(o.format, "parquet");
  EXPECT_EQ(o.rows, 7);
  EXPECT_EQ(o.columns.size(), 2u);
  EXPECT_EQ(o.sha256, r["sha256"].get<std::string>());
  EXPECT_EQ(o.source_url, "http://127.0.0.1:9/y.csv.gz");
  EXPECT_EQ(o.source_etag, "\"e1\"");
  EXPECT_EQ(o.source_last_modified, "Tue, 01 Jan 2019 00:00:00 GMT");
  EXPECT_EQ(o.dag_id, "taxi");
  EXPECT_EQ(o.run_id, "scheduled__2019-01-01");
  EXPECT_EQ(o.task_id, "upload");
  EXPECT_EQ(o.try_number, 2);
}

TEST_F(LakePutCatalogTest, WarnPublishesADriftAndFreezeRefusesItBeforePublishing) {
  WriteParquet(dir_.Join("work/a.parquet"), 0);
  WriteParquet(dir_.Join("work/b.parquet"), 1);
  ASSERT_TRUE(op_.Run({{"input", "a.parquet"}, {"target", "lake://d/month=1/a.parquet"}}, ctx_)
                  .has_value());
  auto frozen = op_.Run({{"input", "b.parquet"},
                         {"target", "lake://d/month=2/b.parquet"},
                         {"schema_policy", "freeze"}},
                        ctx_);
  ASSERT_FALSE(frozen.has_value());
  EXPECT_NE(frozen.error().message.find("2 -> 3 columns: added extra0 (DOUBLE)"), std::string::npos)
      << frozen.error().message;
  EXPECT_FALSE(std::filesystem::exists(dir_.Join("lake/d/month=2/b.parquet")));
  EXPECT_EQ(store_->ListLakeObjects("lake://d/").value().size(), 1u);
  EXPECT_EQ(store_->ListDatasetSchemas("d").value().size(), 1u);

  Json warned =
      op_.Run({{"input", "b.parquet"}, {"target", "lake://d/month=2/b.parquet"}}, ctx_).value();
  EXPECT_EQ(warned["schema_version"], 2);
  EXPECT_NE(warned["warning"].get<std::string>().find("schema drift"), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(dir_.Join("lake/d/month=2/b.parquet")));
}

TEST_F(LakePutCatalogTest, ABrokenParquetFileIsRefusedAndARewriteKeepsHistory) {
  std::ofstream(dir_.Join("work/bad.parquet")) << "<?xml version=\"1.0\"?><Error/>";
  auto bad = op_.Run({{"input", "bad.parquet"}, {"target", "lake://d/bad.parquet"}}, ctx_);
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("not a readable Parquet file"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir_.Join("lake/d/bad.parquet")));
  EXPECT_TRUE(store_->ListLakeObjects("").value().empty());

  WriteParquet(dir_.Join("work/a.parquet"), 0);
  ASSERT_TRUE(op_.Run({{"input", "a.parquet"}, {"target", "lake://d/a.parquet"}}, ctx_));
  ASSERT_TRUE(op_.Run({{"input", "a.parquet"}, {"target", "lake://d/a.parquet"}}, ctx_));
  auto history = store_->LakeObjectHistory("lake://d/a.parquet").value();
  ASSERT_EQ(history.size(), 2u);
  EXPECT_FALSE(history[0].replaced_at.has_value());
  EXPECT_TRUE(history[1].replaced_at.has_value());
  EXPECT_EQ(store_->ListDatasetSchemas("d").value().size(), 1u);
}

// A folder goes up whole under a prefix, its sub-folders kept, several files at a time, each
// file recorded; a glob takes the files it matches.
TEST_F(LakePutCatalogTest, AFolderOrAGlobPublishesEveryFileUnderAPrefix) {
  namespace fs = std::filesystem;
  fs::create_directories(dir_.Join("work/batch/sub"));
  for (int i = 0; i < 30; ++i) {
    std::ofstream(dir_.Join(fmt::format("work/batch/f{:02d}.bin", i))) << "file " << i;
  }
  std::ofstream(dir_.Join("work/batch/sub/deep.bin")) << "deep";
  std::ofstream(dir_.Join("work/batch/f00.bin.weir-source.json")) << "{}";  // lineage, not data
  Json r = op_.Run({{"input", "batch"}, {"target", "lake://raw/batch/"}, {"parallelism", 4}}, ctx_)
               .value();
  EXPECT_EQ(r["files"], 31);
  EXPECT_EQ(r["uri"], "lake://raw/batch/");
  EXPECT_EQ(r["objects"].size(), 31u);
  EXPECT_TRUE(fs::exists(dir_.Join("lake/raw/batch/sub/deep.bin")));
  EXPECT_FALSE(fs::exists(dir_.Join("lake/raw/batch/f00.bin.weir-source.json")));
  std::ifstream f(dir_.Join("lake/raw/batch/f07.bin"));
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "file 7");
  EXPECT_EQ(store_->ListLakeObjects("lake://raw/batch/").value().size(), 31u);

  Json glob = op_.Run({{"input", "batch/f1*.bin"}, {"target", "lake://raw/tens/"}}, ctx_).value();
  EXPECT_EQ(glob["files"], 10);
  EXPECT_FALSE(fs::exists(dir_.Join("lake/raw/tens/f00.bin")));

  // A file:// prefix keeps the sub-folders too (each folder is a store of its own).
  std::string elsewhere = "file://" + dir_.Join("out") + "/";
  Json local = op_.Run({{"input", "batch"}, {"target", elsewhere}}, ctx_).value();
  EXPECT_EQ(local["files"], 31);
  EXPECT_TRUE(fs::exists(dir_.Join("out/sub/deep.bin")));
  EXPECT_FALSE(fs::exists(dir_.Join("out/deep.bin")));

  auto not_prefix = op_.Run({{"input", "batch"}, {"target", "lake://raw/x.bin"}}, ctx_);
  ASSERT_FALSE(not_prefix.has_value());
  EXPECT_NE(not_prefix.error().message.find("ending in '/'"), std::string::npos);
  auto nothing = op_.Run({{"input", "batch/*.csv"}, {"target", "lake://raw/none/"}}, ctx_);
  ASSERT_FALSE(nothing.has_value());
  EXPECT_EQ(nothing.error().code, ErrorCode::kNotFound);
}

// One bad file fails the task at the end, named; the others are published and recorded.
TEST_F(LakePutCatalogTest, OneBadFileDoesNotStopTheOthers) {
  namespace fs = std::filesystem;
  fs::create_directories(dir_.Join("work/mixed"));
  WriteParquet(dir_.Join("work/mixed/a.parquet"), 0);
  std::ofstream(dir_.Join("work/mixed/b.parquet")) << "not parquet at all";
  WriteParquet(dir_.Join("work/mixed/c.parquet"), 0);
  auto r = op_.Run({{"input", "mixed"}, {"target", "lake://raw/mixed/"}}, ctx_);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("1 of 3 files failed"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("b.parquet"), std::string::npos);
  EXPECT_TRUE(fs::exists(dir_.Join("lake/raw/mixed/a.parquet")));
  EXPECT_TRUE(fs::exists(dir_.Join("lake/raw/mixed/c.parquet")));
  EXPECT_FALSE(fs::exists(dir_.Join("lake/raw/mixed/b.parquet")));
  EXPECT_EQ(store_->ListLakeObjects("lake://raw/mixed/").value().size(), 2u);
}

}  // namespace
}  // namespace weir
