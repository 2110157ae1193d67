#include "lake/catalog.h"

#include <gtest/gtest.h>

#include <fstream>

#include "env/temp_dir.h"
#include "lake/object_store.h"
#include "store/sqlite/sqlite_store.h"

namespace weir {
namespace {

std::vector<ColumnInfo> Taxi(int n) {
  std::vector<ColumnInfo> c = {{"VendorID", "BIGINT"}, {"fare_amount", "DOUBLE"}};
  if (n >= 3) c.push_back({"congestion_surcharge", "DOUBLE"});
  if (n >= 4) c.push_back({"airport_fee", "DOUBLE"});
  return c;
}

LakeObject Object(const std::string& key, const std::vector<ColumnInfo>& columns) {
  LakeObject o;
  o.uri = "lake://" + key;
  o.store_uri = "file:///lake";
  o.key = key;
  o.dataset = DatasetOf(key);
  o.format = "parquet";
  o.size = 10;
  o.columns = ColumnsToJson(columns);
  return o;
}

class CatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = SqliteStore::Open(dir_.Join("weir.db")).value();
    ASSERT_TRUE(store_->Migrate().has_value());
  }
  TempDir dir_;
  std::unique_ptr<SqliteStore> store_;
};

TEST(Catalog, DatasetIsTheFolderWithoutPartitions) {
  EXPECT_EQ(DatasetOf("raw/yellow_tripdata/year=2019/month=01/y.parquet"), "raw/yellow_tripdata");
  EXPECT_EQ(DatasetOf("raw/zones/taxi_zone_lookup.parquet"), "raw/zones");
  EXPECT_EQ(DatasetOf("top.csv"), "");
  EXPECT_EQ(DatasetOf("a/b=c/d/e=f/x"), "a/b=c/d");
}

TEST(Catalog, PoliciesParseAndUnknownOnesSuggest) {
  EXPECT_EQ(ParseSchemaPolicy("freeze").value(), SchemaPolicy::kFreeze);
  EXPECT_EQ(SchemaPolicyName(SchemaPolicy::kEvolve), "evolve");
  auto bad = ParseSchemaPolicy("froze");
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("did you mean 'freeze'"), std::string::npos)
      << bad.error().message;
}

TEST(Catalog, DiffNamesAddedRemovedAndRetypedColumns) {
  std::vector<ColumnInfo> after = {{"VendorID", "VARCHAR"}, {"congestion_surcharge", "DOUBLE"}};
  SchemaChange change = DiffColumns(Taxi(2), after);
  EXPECT_EQ(change.Describe(2, 2),
            "2 -> 2 columns: added congestion_surcharge (DOUBLE); removed fare_amount (DOUBLE); "
            "retyped VendorID BIGINT -> VARCHAR");
  std::vector<ColumnInfo> reordered = {Taxi(2)[1], Taxi(2)[0]};
  EXPECT_TRUE(DiffColumns(Taxi(2), reordered).empty());
}

TEST_F(CatalogTest, DriftMakesNewVersionsAndWarnFlagsTheObject) {
  const std::string k1 = "raw/y/year=2018/month=12/a.parquet";
  const std::string k2 = "raw/y/year=2019/month=01/a.parquet";
  const std::string k3 = "raw/y/year=2021/month=01/a.parquet";
  auto first = AdmitObject(*store_, "raw/y", Taxi(2), SchemaPolicy::kWarn, "lake://" + k1);
  ASSERT_TRUE(first.has_value());
  EXPECT_FALSE(first->drift);
  auto r1 = RecordObject(*store_, Object(k1, Taxi(2)), SchemaPolicy::kWarn);
  ASSERT_TRUE(r1.has_value()) << r1.error().message;
  EXPECT_EQ(r1->schema_version, 1);

  auto same = AdmitObject(*store_, "raw/y", Taxi(2), SchemaPolicy::kFreeze, "lake://" + k1);
  ASSERT_TRUE(same.has_value());
  EXPECT_FALSE(same->drift);

  auto drift = AdmitObject(*store_, "raw/y", Taxi(3), SchemaPolicy::kWarn, "lake://" + k2);
  ASSERT_TRUE(drift.has_value());
  EXPECT_TRUE(drift->drift);
  EXPECT_EQ(drift->warning,
            "schema drift from dataset raw/y version 1: 2 -> 3 columns: added "
            "congestion_surcharge (DOUBLE)");
  LakeObject o2 = Object(k2, Taxi(3));
  o2.warning = drift->warning;
  auto r2 = RecordObject(*store_, o2, SchemaPolicy::kWarn);
  ASSERT_TRUE(r2.has_value());
  EXPECT_EQ(r2->schema_version, 2);
  auto r3 = RecordObject(*store_, Object(k3, Taxi(4)), SchemaPolicy::kEvolve);
  ASSERT_TRUE(r3.has_value());
  EXPECT_EQ(r3->schema_version, 3);

  auto versions = store_->ListDatasetSchemas("raw/y").value();
  ASSERT_EQ(versions.size(), 3u);
  EXPECT_EQ(versions[0].change, "");
  EXPECT_EQ(versions[1].change, "2 -> 3 columns: added congestion_surcharge (DOUBLE)");
  EXPECT_EQ(versions[1].policy, "warn");
  EXPECT_EQ(versions[1].first_uri, "lake://" + k2);
  EXPECT_EQ(versions[2].change, "3 -> 4 columns: added airport_fee (DOUBLE)");
  EXPECT_EQ(versions[2].policy, "evolve");
  auto objects = store_->ListLakeObjects("lake://raw/y/").value();
  ASSERT_EQ(objects.size(), 3u);
  EXPECT_NE(objects[1].warning.find("schema drift"), std::string::npos);
}

TEST_F(CatalogTest, FreezeRefusesADriftingObjectBeforeAnythingIsRecorded) {
  ASSERT_TRUE(
      RecordObject(*store_, Object("d/x=1/a.parquet", Taxi(2)), SchemaPolicy::kFreeze).has_value());
  auto refused =
      AdmitObject(*store_, "d", Taxi(3), SchemaPolicy::kFreeze, "lake://d/x=2/a.parquet");
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(refused.error().message.find("schema_policy freeze: lake://d/x=2/a.parquet does not "
                                         "match dataset d schema version 1 (2 -> 3 columns: "
                                         "added congestion_surcharge (DOUBLE)), nor any "
                                         "earlier version; nothing was published"),
            std::string::npos)
      << refused.error().message;
  EXPECT_EQ(store_->ListDatasetSchemas("d").value().size(), 1u);
}

TEST_F(CatalogTest, ASchemaAlreadySeenIsItsVersionWhateverWasWrittenSince) {
  // 2018-12 (17 columns), 2021-01 (18), then both again with the same data: before, v3
  // "removed congestion_surcharge" and v4 "added" it.
  const std::string dec = "raw/y/year=2018/month=12/a.parquet";
  const std::string jan = "raw/y/year=2021/month=01/a.parquet";
  for (int round = 0; round < 2; ++round) {
    auto a = AdmitObject(*store_, "raw/y", Taxi(2), SchemaPolicy::kFreeze, "lake://" + dec);
    ASSERT_TRUE(a.has_value() || round == 0) << a.error().message;
    auto r1 = RecordObject(*store_, Object(dec, Taxi(2)), SchemaPolicy::kWarn);
    ASSERT_TRUE(r1.has_value());
    EXPECT_EQ(r1->schema_version, 1);
    if (round == 1) {
      // Already seen: no drift, even under freeze, and the version it has.
      EXPECT_FALSE(a->drift);
      EXPECT_EQ(a->latest_version, 1);
    }
    auto r2 = RecordObject(*store_, Object(jan, Taxi(3)), SchemaPolicy::kWarn);
    ASSERT_TRUE(r2.has_value());
    EXPECT_EQ(r2->schema_version, 2);
  }
  EXPECT_EQ(store_->ListDatasetSchemas("raw/y").value().size(), 2u);
  // The current schema is the union of the current objects' columns.
  CurrentSchema current = CurrentSchemaOf(*store_, "raw/y").value();
  EXPECT_EQ(current.columns, Taxi(3));
  EXPECT_EQ(current.versions, (std::vector<int>{1, 2}));
}

TEST_F(CatalogTest, AnEmptyColumnTakesTheDatasetsTypeAndMakesNoVersion) {
  RecordObject(*store_, Object("raw/y/m=1/a.parquet", Taxi(3)), SchemaPolicy::kWarn).value();
  // A month whose congestion_surcharge has no value: the file says VARCHAR (or INTEGER).
  std::vector<ColumnInfo> empty = Taxi(3);
  empty[2] = ColumnInfo{"congestion_surcharge", "VARCHAR", true};
  auto a =
      AdmitObject(*store_, "raw/y", empty, SchemaPolicy::kFreeze, "lake://raw/y/m=2/a.parquet");
  ASSERT_TRUE(a.has_value()) << a.error().message;
  EXPECT_FALSE(a->drift);
  auto r = RecordObject(*store_, Object("raw/y/m=2/a.parquet", empty), SchemaPolicy::kWarn);
  EXPECT_EQ(r.value().schema_version, 1);
  EXPECT_EQ(store_->ListDatasetSchemas("raw/y").value().size(), 1u);
  EXPECT_EQ(CurrentSchemaOf(*store_, "raw/y").value().columns, Taxi(3));
  // A column with values of another type is a new version, and the union widens.
  std::vector<ColumnInfo> text = Taxi(3);
  text[0].type = "VARCHAR";
  EXPECT_EQ(RecordObject(*store_, Object("raw/y/m=3/a.parquet", text), SchemaPolicy::kWarn)
                .value()
                .schema_version,
            2);
  EXPECT_EQ(CurrentSchemaOf(*store_, "raw/y").value().columns[0],
            (ColumnInfo{"VendorID", "VARCHAR"}));
}

TEST_F(CatalogTest, AColumnThatArrivesEmptyGetsItsTypeFromItsFirstValues) {
  // 2019-01 brought congestion_surcharge with no value in it; 2019-02 has numbers.
  RecordObject(*store_, Object("raw/y/m=1/a.parquet", Taxi(2)), SchemaPolicy::kWarn).value();
  std::vector<ColumnInfo> empty = Taxi(3);
  empty[2] = ColumnInfo{"congestion_surcharge", "INTEGER", true};
  EXPECT_EQ(RecordObject(*store_, Object("raw/y/m=2/a.parquet", empty), SchemaPolicy::kWarn)
                .value()
                .schema_version,
            2);
  auto typed =
      AdmitObject(*store_, "raw/y", Taxi(3), SchemaPolicy::kFreeze, "lake://raw/y/m=3/a.parquet");
  ASSERT_TRUE(typed.has_value()) << typed.error().message;
  EXPECT_FALSE(typed->drift);
  EXPECT_EQ(RecordObject(*store_, Object("raw/y/m=3/a.parquet", Taxi(3)), SchemaPolicy::kWarn)
                .value()
                .schema_version,
            2);
  auto versions = store_->ListDatasetSchemas("raw/y").value();
  ASSERT_EQ(versions.size(), 2u);
  EXPECT_EQ(versions[1].change, "2 -> 3 columns: added congestion_surcharge (no values)");
  EXPECT_EQ(CurrentSchemaOf(*store_, "raw/y").value().columns, Taxi(3));
}

TEST(Catalog, UnionWidensTypesAsDuckDBsUnionByName) {
  EXPECT_EQ(WidenType("INTEGER", "BIGINT"), "BIGINT");
  EXPECT_EQ(WidenType("BIGINT", "DOUBLE"), "DOUBLE");
  EXPECT_EQ(WidenType("DATE", "TIMESTAMP"), "TIMESTAMP");
  EXPECT_EQ(WidenType("TIMESTAMP", "VARCHAR"), "VARCHAR");
  std::vector<ColumnInfo> a = {{"x", "BIGINT"}, {"e", "INTEGER", true}};
  std::vector<ColumnInfo> b = {{"y", "VARCHAR"}, {"x", "DOUBLE"}, {"e", "TIMESTAMP"}};
  EXPECT_EQ(UnionColumns({a, b}),
            (std::vector<ColumnInfo>{{"x", "DOUBLE"}, {"e", "TIMESTAMP"}, {"y", "VARCHAR"}}));
  // With no values anywhere, the empty column keeps the file's type, marked empty.
  EXPECT_EQ(UnionColumns({a}), a);
}

TEST_F(CatalogTest, ASourceCopyCountsOnlyWhileTheObjectIsUnchangedInTheLake) {
  auto lake = OpenObjectStore("file://" + dir_.Join("lake")).value();
  std::ofstream(dir_.Join("in.csv")) << "a\n1\n";
  ObjectInfo info = lake->Put("raw/in.csv", dir_.Join("in.csv")).value();
  LakeObject o = Object("raw/in.csv", {{"a", "BIGINT"}});
  o.store_uri = lake->uri();
  o.size = info.size;
  o.etag = info.etag;
  o.source_url = "http://127.0.0.1:1/in.csv";
  o.source_etag = "\"abc\"";
  ASSERT_TRUE(RecordObject(*store_, o, SchemaPolicy::kWarn).has_value());

  auto copy = CurrentCopyOfSource(*store_, o.source_url);
  ASSERT_TRUE(copy.has_value()) << copy.error().message;
  ASSERT_TRUE(copy->has_value());
  EXPECT_EQ((*copy)->source_etag, "\"abc\"");
  EXPECT_FALSE(CurrentCopyOfSource(*store_, "http://other/").value().has_value());

  ASSERT_TRUE(lake->Delete("raw/in.csv").has_value());
  EXPECT_FALSE(CurrentCopyOfSource(*store_, o.source_url).value().has_value());
}

}  // namespace
}  // namespace weir
