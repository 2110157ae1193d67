// external_table (warehouse: bigquery) and sql (conn: bigquery) against the suite's fake
// Google server: its GCS holds the files, its BigQuery checks every body against the
// discovery document.
#include <gtest/gtest.h>

#include <fstream>

#include "env/files.h"
#include "env/temp_dir.h"
#include "lake/gcs/gcs_test_peers.h"
#include "ops/external_table.h"
#include "ops/sql.h"

namespace weir {
namespace {

class BigQueryOpsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    GcsFake().Reset();
    GcsFake().Control({{"bq_polls_until_done", 1}});
    ctx_.work_dir = dir_.path();
    ctx_.dag_id = "zoomcamp";
    ctx_.task_id = "bq";
    ctx_.run_id = "scheduled__2021-01-01T00:00:00+00:00";
    ctx_.try_number = 1;
    ctx_.find_connection = [](const std::string& id) -> Result<Connection> {
      if (id != "gcp") return Err(ErrorCode::kNotFound, "no connection {}", id);
      Connection c;
      c.conn_id = id;
      c.conn_type = "google_cloud_platform";
      std::string key =
          ReadFile(WEIR_SOURCE_DIR "/tests/fixtures/gcs/service_account.json").value();
      c.extra = {{"keyfile_dict", ParseJson(key, "key").value()},
                 {"endpoint_url", GcsFake().Endpoint()},
                 {"bigquery_endpoint_url", GcsFake().Endpoint()},
                 {"token_uri", GcsFake().Endpoint() + "/token"}};
      return c;
    };
  }

  // An object in the fake's bucket "lake".
  void Object(const std::string& name, const std::string& bytes) {
    std::string path = dir_.Join("upload.bin");
    std::ofstream(path, std::ios::binary) << bytes;
    GcsObjectStore store(GcsAt("gcs", ""));
    ASSERT_TRUE(store.Put(name, path).has_value());
  }

  Result<Json> Table(Json args) {
    args["warehouse"] = "bigquery";
    args["gcp_conn_id"] = "gcp";
    return table_.Run(args, ctx_);
  }
  Result<Json> Sql(Json args) {
    args["conn"] = "bigquery";
    args["gcp_conn_id"] = "gcp";
    return sql_.Run(args, ctx_);
  }

  TempDir dir_;
  NativeContext ctx_;
  ExternalTableOperator table_;
  SqlOperator sql_;
};

TEST_F(BigQueryOpsTest, AnExternalTableOverHivePartitionsIsCreatedThenReplaced) {
  Object("raw/yellow/year=2021/month=01/y.parquet", "PAR1...");
  Object("raw/yellow/year=2021/month=02/y.parquet", "PAR1...");
  Object("raw/yellow/notes.txt", "not data");
  auto made = Table({{"table", "weir-test.trips.yellow_external"},
                     {"source", "gs://lake/raw/yellow/"},
                     {"location", "EU"}});
  ASSERT_TRUE(made.has_value()) << made.error().message;
  EXPECT_EQ((*made)["table"], "weir-test.trips.yellow_external");
  EXPECT_EQ((*made)["source"], "gs://lake/raw/yellow/*.parquet");
  EXPECT_EQ((*made)["files"], 2);
  EXPECT_EQ((*made)["created"], true);

  Json state = GcsFake().BigQueryState();
  EXPECT_EQ(state["datasets"]["weir-test:trips"]["location"], "EU");
  const Json& table = state["tables"]["weir-test:trips.yellow_external"];
  const Json& config = table["externalDataConfiguration"];
  EXPECT_EQ(config["sourceFormat"], "PARQUET");
  EXPECT_EQ(config["autodetect"], true);
  EXPECT_EQ(config["hivePartitioningOptions"]["mode"], "AUTO");
  EXPECT_EQ(config["hivePartitioningOptions"]["sourceUriPrefix"], "gs://lake/raw/yellow");
  EXPECT_EQ(table["labels"]["weir-dag"], "zoomcamp");
  // The partition keys BigQuery found are columns.
  std::vector<std::string> columns;
  for (const Json& c : (*made)["columns"]) columns.push_back(c["name"]);
  EXPECT_NE(std::ranges::find(columns, "year"), columns.end()) << (*made)["columns"].dump();

  // Again, with CSV and explicit schema: the same table is replaced, not duplicated.
  Object("raw/yellow/csv/a.csv", "VendorID,fare\n1,2.5\n");
  auto replaced = Table({{"table", "weir-test.trips.yellow_external"},
                         {"source", "gs://lake/raw/yellow/csv/"},
                         {"format", "csv"},
                         {"hive_partitioning", false},
                         {"location", "EU"},
                         {"schema", Json::array({{{"name", "VendorID"}, {"type", "integer"}},
                                                 {{"name", "fare"}, {"type", "FLOAT"}}})}});
  ASSERT_TRUE(replaced.has_value()) << replaced.error().message;
  EXPECT_EQ((*replaced)["created"], false);
  Json after = GcsFake().BigQueryState();
  const Json& now = after["tables"]["weir-test:trips.yellow_external"];
  EXPECT_EQ(now["externalDataConfiguration"]["sourceFormat"], "CSV");
  EXPECT_EQ(now["externalDataConfiguration"]["csvOptions"]["skipLeadingRows"], "1");
  EXPECT_EQ(now["schema"]["fields"][0]["type"], "INTEGER");
}

TEST_F(BigQueryOpsTest, CustomPartitioningTakesItsKeysFromThePrefix) {
  Object("raw/green/2021/03/g.parquet", "PAR1...");
  auto made = Table({{"table", "weir-test.trips.green"},
                     {"source", "gs://lake/raw/green/*.parquet"},
                     {"hive_partitioning_mode", "custom"},
                     {"source_uri_prefix", "gs://lake/raw/green/{year:INTEGER}/{month:INTEGER}"},
                     {"require_partition_filter", true}});
  ASSERT_TRUE(made.has_value()) << made.error().message;
  Json state = GcsFake().BigQueryState();
  const Json& hive = state["tables"]["weir-test:trips.green"]["externalDataConfiguration"]
                          ["hivePartitioningOptions"];
  EXPECT_EQ(hive["mode"], "CUSTOM");
  EXPECT_EQ(hive["requirePartitionFilter"], true);

  auto no_keys = Table({{"table", "weir-test.trips.green"},
                        {"source", "gs://lake/raw/green/*.parquet"},
                        {"hive_partitioning_mode", "CUSTOM"}});
  ASSERT_FALSE(no_keys.has_value());
  EXPECT_NE(no_keys.error().message.find("{year:INTEGER}"), std::string::npos)
      << no_keys.error().message;
}

// A table over nothing is never made: the files are counted first.
TEST_F(BigQueryOpsTest, NoFilesChangeNothing) {
  auto made = Table({{"table", "weir-test.trips.empty"}, {"source", "gs://lake/raw/none/"}});
  ASSERT_FALSE(made.has_value());
  EXPECT_EQ(made.error().code, ErrorCode::kNotFound);
  EXPECT_NE(made.error().message.find("no files match gs://lake/raw/none/*.parquet"),
            std::string::npos)
      << made.error().message;
  Json state = GcsFake().BigQueryState();
  EXPECT_TRUE(state["datasets"].empty());
  EXPECT_TRUE(state["tables"].empty());
}

TEST_F(BigQueryOpsTest, SourcesOutsideGcsAndMisplacedArgumentsAreRefused) {
  auto local = Table({{"table", "weir-test.trips.t"}, {"source", "file:///tmp/x/"}});
  ASSERT_FALSE(local.has_value());
  EXPECT_NE(local.error().message.find("Google Cloud Storage only"), std::string::npos);

  ctx_.lake_uri = "file:///tmp/lake";
  auto lake = Table({{"table", "weir-test.trips.t"}, {"source", "lake://raw/t/"}});
  ASSERT_FALSE(lake.has_value());
  EXPECT_NE(lake.error().message.find("default lake is file:///tmp/lake"), std::string::npos);

  auto stars = Table({{"table", "weir-test.trips.t"}, {"source", "gs://lake/*/x/*.parquet"}});
  ASSERT_FALSE(stars.has_value());
  EXPECT_NE(stars.error().message.find("one '*'"), std::string::npos);

  auto duck_only = Table({{"table", "weir-test.trips.t"},
                          {"source", "gs://lake/raw/t/"},
                          {"hive_types", {{"year", "INTEGER"}}}});
  ASSERT_FALSE(duck_only.has_value());
  EXPECT_NE(duck_only.error().message.find("hive_types is for the DuckDB warehouse"),
            std::string::npos);

  // BigQuery's arguments on a DuckDB task say where they belong.
  ctx_.warehouse_path = dir_.Join("w.duckdb");
  auto misplaced =
      table_.Run({{"table", "t"}, {"source", "file:///tmp/x/"}, {"location", "EU"}}, ctx_);
  ASSERT_FALSE(misplaced.has_value());
  EXPECT_NE(misplaced.error().message.find("'location' is for BigQuery only"), std::string::npos)
      << misplaced.error().message;
  auto sql_misplaced = sql_.Run({{"sql", "SELECT 1"}, {"dry_run", true}}, ctx_);
  ASSERT_FALSE(sql_misplaced.has_value());
  EXPECT_NE(sql_misplaced.error().message.find("conn: bigquery"), std::string::npos);
}

TEST_F(BigQueryOpsTest, AQueryJobsRowsAreTheXcomAndItsIdIsTheTrys) {
  auto r = Sql({{"sql", "SELECT @n + 1 AS n, @s AS s"},
                {"parameters", {{"n", 41}, {"s", "x"}}},
                {"labels", {{"team", "data-eng"}}}});
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ((*r)["rows"], Json::array({{{"n", 42}, {"s", "x"}}}));
  EXPECT_EQ((*r)["row_count"], 1);
  std::string job_id = (*r)["job_id"];
  EXPECT_TRUE(job_id.starts_with("weir_zoomcamp_bq_")) << job_id;
  EXPECT_TRUE(job_id.ends_with("_1")) << job_id;
  Json state = GcsFake().BigQueryState();
  const Json& job = state["jobs"]["weir-test:" + job_id];
  EXPECT_EQ(job["configuration"]["labels"]["team"], "data-eng");
  EXPECT_EQ(job["configuration"]["labels"]["weir-task"], "bq");
  EXPECT_EQ(job["configuration"]["query"]["parameterMode"], "NAMED");

  // The next try is a new job.
  ctx_.try_number = 2;
  auto next = Sql({{"sql", "SELECT 1 AS n"}});
  ASSERT_TRUE(next.has_value()) << next.error().message;
  EXPECT_NE((*next)["job_id"], job_id);
}

// The seed's next step: a partitioned native table from the external one.
TEST_F(BigQueryOpsTest, CreateTableAsSelectFromTheExternalTable) {
  // What BigQuery would detect in the file (the fake cannot read Parquet).
  GcsFake().Control({{"bq_autodetect_fields",
                      Json::array({{{"name", "tpep_pickup_datetime"}, {"type", "TIMESTAMP"}}})}});
  Object("raw/yellow/year=2021/month=01/y.parquet", "PAR1...");
  ASSERT_TRUE(
      Table({{"table", "weir-test.trips.yellow_external"}, {"source", "gs://lake/raw/yellow/"}})
          .has_value());
  auto r = Sql({{"sql",
                 "CREATE OR REPLACE TABLE `weir-test.trips.yellow_partitioned` PARTITION BY "
                 "DATE(tpep_pickup_datetime) AS SELECT * FROM `weir-test.trips.yellow_external`"}});
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ((*r)["statement_type"], "CREATE_TABLE_AS_SELECT");
  EXPECT_TRUE(GcsFake().BigQueryState()["tables"].contains("weir-test:trips.yellow_partitioned"));
}

TEST_F(BigQueryOpsTest, AFailedJobFailsTheTaskWithBigQuerysReason) {
  Object("raw/t/a.parquet", "PAR1...");
  ASSERT_TRUE(Table({{"table", "weir-test.trips.t"}, {"source", "gs://lake/raw/t/"}}).has_value());
  auto r = Sql({{"sql", "SELECT * FROM `weir-test.trips.nope`"}, {"location", "US"}});
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("notFound: Not found: Table weir-test:trips.nope"),
            std::string::npos)
      << r.error().message;
}

TEST_F(BigQueryOpsTest, DestinationDispositionAndDryRun) {
  Object("raw/t/a.parquet", "PAR1...");
  ASSERT_TRUE(Table({{"table", "weir-test.trips.t"}, {"source", "gs://lake/raw/t/"}}).has_value());
  ASSERT_TRUE(Sql({{"sql", "SELECT 1 AS n"},
                   {"destination_table", "weir-test.trips.ones"},
                   {"write_disposition", "write_truncate"}})
                  .has_value());
  ASSERT_FALSE(Sql({{"sql", "SELECT 1 AS n"}, {"write_disposition", "OVERWRITE"}}).has_value());
  Json jobs = GcsFake().BigQueryState()["jobs"];
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs.begin().value()["configuration"]["query"]["writeDisposition"], "WRITE_TRUNCATE");

  auto dry = Sql({{"sql", "SELECT 1 AS n"}, {"dry_run", true}});
  ASSERT_TRUE(dry.has_value()) << dry.error().message;
  EXPECT_EQ((*dry)["dry_run"], true);
  EXPECT_EQ(GcsFake().BigQueryState()["jobs"].size(), 1u);
}

}  // namespace
}  // namespace weir
