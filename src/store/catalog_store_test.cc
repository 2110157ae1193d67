// The CatalogStore suite: the lake catalog.
#include "store/catalog_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/store_test_fixture.h"

namespace weir {
namespace {

LakeObject MakeObject(const std::string& key, int64_t size, const std::string& sha) {
  LakeObject o;
  o.uri = "lake://" + key;
  o.store_uri = "file:///lake";
  o.key = key;
  o.dataset = "raw/yellow";
  o.format = "parquet";
  o.size = size;
  o.sha256 = sha;
  o.rows = 10;
  o.columns = Json::array({Json{{"name", "a"}, {"type", "BIGINT"}}});
  o.dag_id = "taxi";
  o.run_id = "r1";
  o.task_id = "put";
  o.try_number = 1;
  return o;
}

std::vector<std::string> Uris(const std::vector<LakeObject>& objects) {
  std::vector<std::string> out;
  out.reserve(objects.size());
  for (const auto& o : objects) out.push_back(o.uri);
  return out;
}

TEST_P(CatalogStoreTest, LakeObjectsRoundTripAndListByPrefix) {
  LakeObject a = MakeObject("raw/yellow/year=2019/month=01/a.parquet", 100, "aa");
  a.source_url = "http://127.0.0.1/a.csv";
  a.source_etag = "\"e1\"";
  a.source_last_modified = "Tue, 01 Jan 2019 00:00:00 GMT";
  a.warning = "drift";
  a.created_at = Utc("2026-01-01T00:00:00Z");
  auto id = store().RecordLakeObject(a);
  ASSERT_OK(id);
  EXPECT_GT(*id, 0);
  ASSERT_OK(
      store().RecordLakeObject(MakeObject("raw/yellow/year=2019/month=02/b.parquet", 5, "bb")));
  ASSERT_OK(store().RecordLakeObject(MakeObject("raw/green_x/c.parquet", 5, "cc")));

  auto listed = store().ListLakeObjects("lake://raw/yellow/");
  ASSERT_OK(listed);
  EXPECT_THAT(Uris(*listed),
              ::testing::ElementsAre("lake://raw/yellow/year=2019/month=01/a.parquet",
                                     "lake://raw/yellow/year=2019/month=02/b.parquet"));
  const LakeObject& got = (*listed)[0];
  EXPECT_EQ(got.id, *id);
  EXPECT_EQ(got.key, a.key);
  EXPECT_EQ(got.store_uri, "file:///lake");
  EXPECT_EQ(got.size, 100);
  EXPECT_EQ(got.source_etag, "\"e1\"");
  EXPECT_EQ(got.source_last_modified, a.source_last_modified);
  EXPECT_EQ(got.rows, 10);
  EXPECT_EQ(got.columns, a.columns);
  EXPECT_EQ(got.warning, "drift");
  EXPECT_EQ(got.created_at, a.created_at);
  EXPECT_FALSE(got.replaced_at.has_value());

  // '_' in a prefix is literal, not LIKE's single-character wildcard.
  auto underscored = store().ListLakeObjects("lake://raw/green_");
  ASSERT_OK(underscored);
  EXPECT_EQ(underscored->size(), 1u);
  auto none = store().ListLakeObjects("lake://raw/greenx");
  ASSERT_OK(none);
  EXPECT_TRUE(none->empty());
  // Case matters, in every database.
  auto upper = store().ListLakeObjects("lake://raw/GREEN_");
  ASSERT_OK(upper);
  EXPECT_TRUE(upper->empty());
}

TEST_P(CatalogStoreTest, RewritingAUriKeepsTheHistoryAndListsOnlyTheCurrentVersion) {
  LakeObject first = MakeObject("raw/yellow/a.parquet", 100, "v1");
  first.created_at = Utc("2026-01-01T00:00:00Z");
  first.source_url = "http://src/a.csv";
  ASSERT_OK(store().RecordLakeObject(first));
  LakeObject second = MakeObject("raw/yellow/a.parquet", 120, "v2");
  second.created_at = Utc("2026-01-02T00:00:00Z");
  second.source_url = "http://src/a.csv";
  second.try_number = 2;
  ASSERT_OK(store().RecordLakeObject(second));

  auto history = store().LakeObjectHistory("lake://raw/yellow/a.parquet");
  ASSERT_OK(history);
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].sha256, "v2");
  EXPECT_FALSE((*history)[0].replaced_at.has_value());
  EXPECT_EQ((*history)[1].sha256, "v1");
  EXPECT_EQ((*history)[1].replaced_at, second.created_at);

  auto current = store().ListLakeObjects("lake://raw/");
  ASSERT_OK(current);
  ASSERT_EQ(current->size(), 1u);
  EXPECT_EQ((*current)[0].sha256, "v2");

  auto by_source = store().FindLakeObjectBySource("http://src/a.csv");
  ASSERT_OK(by_source);
  ASSERT_TRUE(by_source->has_value());
  EXPECT_EQ((*by_source)->sha256, "v2");
  auto unknown = store().FindLakeObjectBySource("http://src/other.csv");
  ASSERT_OK(unknown);
  EXPECT_FALSE(unknown->has_value());
}

TEST_P(CatalogStoreTest, DatasetSchemasAreVersionedAndSummarised) {
  DatasetSchema v1{.dataset = "raw/yellow",
                   .version = 1,
                   .columns = Json::array({Json{{"name", "a"}, {"type", "BIGINT"}}}),
                   .change = "",
                   .policy = "warn",
                   .first_uri = "lake://raw/yellow/a.parquet"};
  ASSERT_OK(store().AddDatasetSchema(v1));
  EXPECT_ERROR(store().AddDatasetSchema(v1), ErrorCode::kAlreadyExists);
  DatasetSchema v2 = v1;
  v2.version = 2;
  v2.change = "added b (DOUBLE)";
  v2.columns.push_back(Json{{"name", "b"}, {"type", "DOUBLE"}});
  ASSERT_OK(store().AddDatasetSchema(v2));

  auto versions = store().ListDatasetSchemas("raw/yellow");
  ASSERT_OK(versions);
  ASSERT_EQ(versions->size(), 2u);
  EXPECT_EQ((*versions)[0].version, 1);
  EXPECT_EQ((*versions)[1].change, "added b (DOUBLE)");
  EXPECT_EQ((*versions)[1].columns.size(), 2u);
  EXPECT_EQ((*versions)[1].policy, "warn");

  LakeObject a = MakeObject("raw/yellow/a.parquet", 100, "a");
  LakeObject b = MakeObject("raw/yellow/b.parquet", 50, "b");
  b.warning = "schema drift";
  b.rows = 5;
  ASSERT_OK(store().RecordLakeObject(a));
  ASSERT_OK(store().RecordLakeObject(b));
  ASSERT_OK(store().RecordLakeObject(b));  // a re-write does not count twice

  auto datasets = store().ListDatasets();
  ASSERT_OK(datasets);
  ASSERT_EQ(datasets->size(), 1u);
  const DatasetSummary& d = (*datasets)[0];
  EXPECT_EQ(d.dataset, "raw/yellow");
  EXPECT_EQ(d.objects, 2);
  EXPECT_EQ(d.size, 150);
  EXPECT_EQ(d.rows, 15);
  EXPECT_EQ(d.schema_version, 2);
  EXPECT_EQ(d.warnings, 1);
}

WEIR_STORE_SUITE(CatalogStoreTest);

}  // namespace
}  // namespace weir
