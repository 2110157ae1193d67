#include "warehouse/bigquery.h"

#include <gtest/gtest.h>

#include "lake/gcs/gcs_test_peers.h"

namespace weir {
namespace {

TEST(BigQueryNamesTest, TablesAreProjectDatasetTable) {
  auto full = ParseBigQueryTable("my-proj.trips.yellow_2021", "other");
  ASSERT_TRUE(full.has_value()) << full.error().message;
  EXPECT_EQ(full->project, "my-proj");
  EXPECT_EQ(full->dataset, "trips");
  EXPECT_EQ(full->table, "yellow_2021");
  EXPECT_EQ(full->ToJson()["tableId"], "yellow_2021");

  auto short_form = ParseBigQueryTable("trips.yellow", "conn-proj");
  ASSERT_TRUE(short_form.has_value());
  EXPECT_EQ(short_form->ToString(), "conn-proj.trips.yellow");

  // A domain-scoped project keeps its ':' and '.'.
  auto domain = ParseBigQueryTable("example.com:proj.trips.yellow", "");
  ASSERT_TRUE(domain.has_value()) << domain.error().message;
  EXPECT_EQ(domain->project, "example.com:proj");
  EXPECT_EQ(domain->dataset, "trips");
}

TEST(BigQueryNamesTest, BadNamesSayWhatIsExpected) {
  for (const char* bad : {"yellow", "p.d.", "p..t", "p.d-x.t", "p.d.t;DROP", ".d.t", ""}) {
    auto ref = ParseBigQueryTable(bad, "proj");
    ASSERT_FALSE(ref.has_value()) << bad;
    EXPECT_NE(ref.error().message.find("project.dataset.table"), std::string::npos)
        << ref.error().message;
  }
  auto no_project = ParseBigQueryTable("trips.yellow", "");
  ASSERT_FALSE(no_project.has_value());
  EXPECT_NE(no_project.error().message.find("extra \"project\""), std::string::npos);
}

TEST(BigQueryNamesTest, LabelsAreLowerCaseAndShort) {
  EXPECT_EQ(BigQueryLabel("Yellow.Taxi Ingestion-2"), "yellow_taxi_ingestion-2");
  EXPECT_EQ(BigQueryLabel(std::string(100, 'a')).size(), 63u);
}

TEST(BigQueryParametersTest, AMapIsNamedAndAListPositional) {
  Json query;
  ASSERT_TRUE(SetBigQueryParameters(
                  Json{{"n", 3}, {"f", 0.5}, {"b", true}, {"s", "x"}, {"z", nullptr}}, query)
                  .has_value());
  EXPECT_EQ(query["parameterMode"], "NAMED");
  std::map<std::string, Json> by_name;
  for (const Json& p : query["queryParameters"]) by_name[p["name"]] = p;
  EXPECT_EQ(by_name["n"]["parameterType"]["type"], "INT64");
  EXPECT_EQ(by_name["n"]["parameterValue"]["value"], "3");
  EXPECT_EQ(by_name["f"]["parameterType"]["type"], "FLOAT64");
  EXPECT_EQ(by_name["b"]["parameterValue"]["value"], "true");
  EXPECT_EQ(by_name["s"]["parameterType"]["type"], "STRING");
  EXPECT_FALSE(by_name["z"]["parameterValue"].contains("value"));  // NULL

  Json positional;
  ASSERT_TRUE(
      SetBigQueryParameters(Json::array({Json::array({1, 2}), "a"}), positional).has_value());
  EXPECT_EQ(positional["parameterMode"], "POSITIONAL");
  const Json& array = positional["queryParameters"][0];
  EXPECT_EQ(array["parameterType"]["type"], "ARRAY");
  EXPECT_EQ(array["parameterType"]["arrayType"]["type"], "INT64");
  EXPECT_EQ(array["parameterValue"]["arrayValues"][1]["value"], "2");
  EXPECT_FALSE(positional["queryParameters"][1].contains("name"));

  Json refused;
  auto map_inside = SetBigQueryParameters(Json{{"m", {{"a", 1}}}}, refused);
  ASSERT_FALSE(map_inside.has_value());
  EXPECT_NE(map_inside.error().message.find("@m"), std::string::npos);
}

TEST(BigQueryValuesTest, ValuesAreTypedByTheirField) {
  auto field = [](const char* type) { return Json{{"name", "c"}, {"type", type}}; };
  EXPECT_EQ(BigQueryValue("42", field("INTEGER")), Json(42));
  EXPECT_EQ(BigQueryValue("2.5", field("FLOAT")), Json(2.5));
  EXPECT_EQ(BigQueryValue("true", field("BOOLEAN")), Json(true));
  EXPECT_EQ(BigQueryValue("1.6094592E9", field("TIMESTAMP")), Json("2021-01-01T00:00:00Z"));
  EXPECT_EQ(BigQueryValue("12.30", field("NUMERIC")), Json("12.30"));  // exact: kept as text
  EXPECT_EQ(BigQueryValue(nullptr, field("INTEGER")), Json());
  EXPECT_EQ(BigQueryValue("x", field("INTEGER")), Json("x"));  // never invents a number
}

// The fake Google server's BigQuery, reached with the test service account's tokens.
class BigQueryTest : public ::testing::Test {
 protected:
  void SetUp() override { GcsFake().Reset(); }

  static BigQueryTarget Target() {
    BigQueryTarget t;
    t.endpoint = GcsFake().Endpoint();
    t.project = "weir-test";
    t.tokens = std::make_shared<GoogleTokenSource>(TestServiceAccount());
    t.retry.first_delay = std::chrono::milliseconds(20);
    t.first_poll = std::chrono::milliseconds(10);
    t.max_poll = std::chrono::milliseconds(50);
    return t;
  }

  static Json Query(const std::string& sql, const std::string& job_id) {
    return Json{{"jobReference", {{"projectId", "weir-test"}, {"jobId", job_id}}},
                {"configuration", {{"query", {{"query", sql}, {"useLegacySql", false}}}}}};
  }
};

TEST_F(BigQueryTest, ADatasetIsCreatedOnceInItsLocation) {
  BigQuery bq(Target());
  auto first = bq.EnsureDataset("weir-test", "trips", "EU");
  ASSERT_TRUE(first.has_value()) << first.error().message;
  EXPECT_TRUE(*first);
  auto again = bq.EnsureDataset("weir-test", "trips", "EU");
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_FALSE(*again);
  EXPECT_EQ(GcsFake().BigQueryState()["datasets"]["weir-test:trips"]["location"], "EU");

  auto elsewhere = bq.EnsureDataset("weir-test", "trips", "US");
  ASSERT_FALSE(elsewhere.has_value());
  EXPECT_EQ(elsewhere.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(elsewhere.error().message.find("is in location EU"), std::string::npos)
      << elsewhere.error().message;
  auto missing = bq.GetDataset("weir-test", "nothing");
  ASSERT_TRUE(missing.has_value()) << missing.error().message;
  EXPECT_FALSE(missing->has_value());
}

TEST_F(BigQueryTest, ATableIsCreatedThenReplaced) {
  BigQuery bq(Target());
  ASSERT_TRUE(bq.EnsureDataset("weir-test", "trips", "US").has_value());
  BigQueryTableRef ref{"weir-test", "trips", "zones"};
  auto resource = [&](const std::string& column) {
    return Json{{"tableReference", ref.ToJson()},
                {"schema", {{"fields", Json::array({{{"name", column}, {"type", "STRING"}}})}}}};
  };
  bool created = false;
  auto first = bq.PutTable(ref, resource("zone"), &created);
  ASSERT_TRUE(first.has_value()) << first.error().message;
  EXPECT_TRUE(created);
  auto second = bq.PutTable(ref, resource("borough"), &created);
  ASSERT_TRUE(second.has_value()) << second.error().message;
  EXPECT_FALSE(created);
  auto table = bq.GetTable(ref);
  ASSERT_TRUE(table.has_value() && table->has_value());
  EXPECT_EQ((**table)["schema"]["fields"][0]["name"], "borough");
}

TEST_F(BigQueryTest, ATableInAMissingDatasetIsRefusedWithBigQuerysMessage) {
  BigQuery bq(Target());
  BigQueryTableRef ref{"weir-test", "nowhere", "t"};
  bool created = false;
  auto put = bq.PutTable(ref, Json{{"tableReference", ref.ToJson()}}, &created);
  ASSERT_FALSE(put.has_value());
  EXPECT_EQ(put.error().code, ErrorCode::kNotFound);
  EXPECT_NE(put.error().message.find("HTTP 404 notFound: Not found: Dataset weir-test:nowhere"),
            std::string::npos)
      << put.error().message;
}

// The fake checks bodies against the discovery document: a misspelt field is a 400.
TEST_F(BigQueryTest, ABodyTheDiscoveryDocumentRefusesIsA400) {
  BigQuery bq(Target());
  ASSERT_TRUE(bq.EnsureDataset("weir-test", "trips", "US").has_value());
  BigQueryTableRef ref{"weir-test", "trips", "t"};
  bool created = false;
  auto put = bq.PutTable(ref, Json{{"tableReference", ref.ToJson()}, {"externalDataConfig", {}}},
                         &created);
  ASSERT_FALSE(put.has_value());
  EXPECT_EQ(put.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(put.error().message.find("externalDataConfig"), std::string::npos)
      << put.error().message;
}

TEST_F(BigQueryTest, AQueryIsWaitedOnAndItsRowsTyped) {
  GcsFake().Control({{"bq_polls_until_done", 2}});
  BigQuery bq(Target());
  std::vector<std::string> states;
  auto result = bq.RunQuery(Query("SELECT 1 AS n, 'a' AS s, 2.5 AS f", "j1"), 10,
                            [&](const std::string& state) { states.push_back(state); });
  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_EQ(result->columns, (std::vector<std::string>{"n", "s", "f"}));
  EXPECT_EQ(result->rows, Json::array({{{"n", 1}, {"s", "a"}, {"f", 2.5}}}));
  EXPECT_EQ(result->total_rows, 1);
  ASSERT_FALSE(states.empty());
  EXPECT_EQ(states.back(), "DONE");
  EXPECT_GE(states.size(), 2u);  // it was seen before it was done
}

TEST_F(BigQueryTest, AFailedJobsErrorResultIsTheError) {
  BigQuery bq(Target());
  auto result = bq.RunQuery(Query("SELECT * FROM `weir-test.trips.missing`", "j2"), 10);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, ErrorCode::kNotFound);
  EXPECT_NE(result.error().message.find("BigQuery job weir-test:"), std::string::npos)
      << result.error().message;
  EXPECT_NE(result.error().message.find("notFound: Not found: Dataset weir-test:trips"),
            std::string::npos)
      << result.error().message;
}

// An insert whose answer was lost is sent again with the same job id: the 409 it meets is
// its own job, which is waited on; the query does not run twice.
TEST_F(BigQueryTest, ARetriedInsertWaitsOnItsOwnJob) {
  BigQuery bq(Target());
  Json job = Query("SELECT 7 AS n", "same-id");
  ASSERT_TRUE(bq.RunQuery(job, 10).has_value());
  auto again = bq.RunQuery(job, 10);
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_EQ(again->rows, Json::array({{{"n", 7}}}));
  EXPECT_EQ(GcsFake().BigQueryState()["jobs"].size(), 1u);
}

TEST_F(BigQueryTest, OverloadIsRetried) {
  BigQuery bq(Target());
  GcsFake().Control({{"fail_next", Json::array({{{"status", 503}, {"match", "POST /bigquery"}}})}});
  auto result = bq.RunQuery(Query("SELECT 1 AS n", "j3"), 10);
  ASSERT_TRUE(result.has_value()) << result.error().message;
  std::vector<int> statuses;
  for (const Json& r : GcsFake().Log()) {
    if (r["method"] == "POST" && r["path"] == "/bigquery/v2/projects/weir-test/jobs") {
      statuses.push_back(r["status"].get<int>());
    }
  }
  EXPECT_EQ(statuses, (std::vector<int>{503, 200}));
  EXPECT_EQ(GcsFake().BigQueryState()["jobs"].size(), 1u);
}

TEST_F(BigQueryTest, ADryRunRunsNothing) {
  BigQuery bq(Target());
  Json job = Query("SELECT 1 AS n", "j4");
  job["configuration"]["dryRun"] = true;
  auto result = bq.RunQuery(job, 10);
  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_TRUE(result->job["statistics"].contains("totalBytesProcessed"));
  EXPECT_TRUE(result->rows.empty());
  EXPECT_TRUE(GcsFake().BigQueryState()["jobs"].empty());
}

TEST_F(BigQueryTest, RefusedCredentialsSayWhatToCheck) {
  BigQueryTarget target = Target();
  target.tokens.reset();  // no Authorization header at all
  BigQuery bq(target);
  auto dataset = bq.GetDataset("weir-test", "trips");
  ASSERT_FALSE(dataset.has_value());
  EXPECT_NE(dataset.error().message.find("HTTP 401"), std::string::npos) << dataset.error().message;
  EXPECT_NE(dataset.error().message.find("credentials were refused"), std::string::npos);
}

}  // namespace
}  // namespace weir
