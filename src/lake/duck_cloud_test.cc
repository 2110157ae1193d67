#include "lake/duck_cloud.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "base/url.h"
#include "env/temp_dir.h"

namespace weir {
namespace {

void ClearCloudEnvironment() {
  for (const char* v : {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                        "AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "STORAGE_EMULATOR_HOST",
                        "AZURE_STORAGE_CONNECTION_STRING", "AZURE_STORAGE_ACCOUNT",
                        "AZURE_STORAGE_KEY", "AZURE_STORAGE_SAS_TOKEN"}) {
    unsetenv(v);
  }
}

TEST(DuckCloud, CloudUrisAndTheirBuckets) {
  EXPECT_TRUE(IsCloudUri("s3://b/k"));
  EXPECT_TRUE(IsCloudUri("gs://b"));
  EXPECT_TRUE(IsCloudUri("az://c/k"));
  EXPECT_FALSE(IsCloudUri("file:///tmp/x"));
  EXPECT_FALSE(IsCloudUri("lake://raw/x"));
  EXPECT_EQ(CloudBucketOf("s3://bkt/raw/x.parquet"), "s3://bkt/");
  EXPECT_EQ(CloudBucketOf("gs://bkt"), "gs://bkt/");
}

// lake:// keys in a cloud lake become the lake's URI plus the key, as DuckDB reads them; a
// file:// lake still gives local paths; a key that escapes is refused.
TEST(DuckCloud, LakeUrisBecomeWhatDuckDbReads) {
  EXPECT_EQ(DuckPathOf("lake://raw/t/year=*/*.parquet", "s3://bkt/lake").value(),
            "s3://bkt/lake/raw/t/year=*/*.parquet");
  EXPECT_EQ(DuckPathOf("lake://raw/t/", "gs://bkt/").value(), "gs://bkt/raw/t/");
  EXPECT_EQ(DuckPathOf("az://c/raw/x.parquet", "file:///tmp/lake").value(), "az://c/raw/x.parquet");
  EXPECT_EQ(DuckPathOf("lake://raw/x.parquet", "file:///tmp/lake").value(),
            "/tmp/lake/raw/x.parquet");
  EXPECT_FALSE(DuckPathOf("lake://raw/../../etc/passwd", "s3://bkt/lake").has_value());
  EXPECT_FALSE(DuckPathOf("s3:///nobucket", "").has_value());
}

TEST(DuckCloud, AnS3SecretCarriesTheConnectionsKeysEndpointAndStyle) {
  ClearCloudEnvironment();
  Connection c = ParseConnectionUri(
                     "aws://AKIA:it's%20secret@?region_name=eu-west-1&endpoint_url=http%3A%2F%2F"
                     "127.0.0.1%3A7480%2F&aws_session_token=TOK",
                     "t")
                     .value();
  EXPECT_EQ(DuckSecretSql("weir_cloud_1", "s3://bkt/raw/x.parquet", c).value(),
            "CREATE OR REPLACE TEMPORARY SECRET weir_cloud_1 (TYPE s3, KEY_ID 'AKIA', SECRET "
            "'it''s secret', SESSION_TOKEN 'TOK', REGION 'eu-west-1', ENDPOINT '127.0.0.1:7480', "
            "URL_STYLE 'path', USE_SSL false, SCOPE 's3://bkt/')");
  // AWS itself: the region's endpoint over TLS, virtual-host style.
  Connection aws = ParseConnectionUri("aws://AKIA:SECRET@?region_name=eu-west-1", "t").value();
  EXPECT_EQ(DuckSecretSql("s", "s3://bkt/", aws).value(),
            "CREATE OR REPLACE TEMPORARY SECRET s (TYPE s3, KEY_ID 'AKIA', SECRET 'SECRET', "
            "REGION 'eu-west-1', ENDPOINT 's3.eu-west-1.amazonaws.com', URL_STYLE 'vhost', "
            "USE_SSL true, SCOPE 's3://bkt/')");
  // Keys the connection lacks come from AWS's chain, as for the lake itself.
  setenv("AWS_ACCESS_KEY_ID", "ENVKEY", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "ENVSECRET", 1);
  Connection bare = ParseConnectionUri("aws://", "t").value();
  std::string from_env = DuckSecretSql("s", "s3://bkt/", bare).value();
  EXPECT_NE(from_env.find("KEY_ID 'ENVKEY', SECRET 'ENVSECRET'"), std::string::npos) << from_env;
  ClearCloudEnvironment();
}

TEST(DuckCloud, AGcsSecretNeedsAnHmacKey) {
  ClearCloudEnvironment();
  Connection c = ParseConnectionJson(
                     Json{{"conn_type", "google_cloud_platform"},
                          {"extra", {{"hmac_key_id", "GOOG1EKEY"}, {"hmac_secret", "hmacsecret"}}}},
                     "t")
                     .value();
  EXPECT_EQ(DuckSecretSql("g", "gs://bkt/raw/", c).value(),
            "CREATE OR REPLACE TEMPORARY SECRET g (TYPE gcs, KEY_ID 'GOOG1EKEY', SECRET "
            "'hmacsecret', SCOPE 'gs://bkt/')");
  c.extra["endpoint_url"] = "http://127.0.0.1:4443";
  EXPECT_EQ(DuckSecretSql("g", "gs://bkt/raw/", c).value(),
            "CREATE OR REPLACE TEMPORARY SECRET g (TYPE gcs, KEY_ID 'GOOG1EKEY', SECRET "
            "'hmacsecret', ENDPOINT '127.0.0.1:4443', URL_STYLE 'path', USE_SSL false, SCOPE "
            "'gs://bkt/')");
  // A service-account key alone is not enough, and the error says what to add.
  Connection key_only =
      ParseConnectionJson(Json{{"conn_type", "google_cloud_platform"},
                               {"extra", {{"keyfile_dict", "{\"private_key\": \"pkpkpk\"}"}}}},
                          "t")
          .value();
  key_only.conn_id = "google_cloud_default";
  auto refused = DuckSecretSql("g", "gs://bkt/raw/", key_only);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
  const std::string& m = refused.error().message;
  EXPECT_NE(m.find("hmac_key_id and hmac_secret"), std::string::npos) << m;
  EXPECT_NE(m.find("connection google_cloud_default"), std::string::npos) << m;
  EXPECT_NE(m.find("warehouse: bigquery"), std::string::npos) << m;
  EXPECT_EQ(m.find("pkpkpk"), std::string::npos) << m;
}

TEST(DuckCloud, AnAzureSecretIsAConnectionString) {
  ClearCloudEnvironment();
  Connection c;
  c.conn_id = "wasb_default";
  c.conn_type = "azure_blob";
  c.login = "acct";
  c.password = Base64Encode("key bytes");
  EXPECT_EQ(DuckSecretSql("a", "az://lake/raw/", c).value(),
            "CREATE OR REPLACE TEMPORARY SECRET a (TYPE azure, CONNECTION_STRING "
            "'DefaultEndpointsProtocol=https;AccountName=acct;BlobEndpoint=https://"
            "acct.blob.core.windows.net;AccountKey=" +
                Base64Encode("key bytes") + "', SCOPE 'az://lake/')");
  Connection sas;
  sas.conn_id = "sas";
  sas.conn_type = "azure_blob";
  sas.login = "devstoreaccount1";
  sas.host = "http://127.0.0.1:10000/devstoreaccount1";
  sas.extra = Json{{"sas_token", "sv=2021&sig=abc"}};
  std::string sql = DuckSecretSql("a", "az://lake/", sas).value();
  EXPECT_NE(
      sql.find("DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;BlobEndpoint="
               "http://127.0.0.1:10000/devstoreaccount1;SharedAccessSignature=sv=2021&sig=abc"),
      std::string::npos)
      << sql;
  EXPECT_FALSE(DuckSecretSql("x", "file:///tmp/x", sas).has_value());
}

// Without the extension, nothing is read and the error names the URI, the extension and the
// way to install it; az:// needs azure, s3:// and gs:// httpfs.
TEST(DuckCloud, PreparingWithoutTheExtensionSaysWhatToInstall) {
  TempDir dir;
  auto db = DuckDatabase::Open("").value();
  auto con = db->Connect().value();
  auto s3 = PrepareCloudReads(con, dir.path(), {CloudRead{"s3://bkt/lake/", {}}});
  ASSERT_FALSE(s3.has_value());
  EXPECT_NE(s3.error().message.find("reading s3://bkt/lake/ needs DuckDB's httpfs extension"),
            std::string::npos)
      << s3.error().message;
  auto az = PrepareCloudReads(con, "", {CloudRead{"az://c/", {}}});
  ASSERT_FALSE(az.has_value());
  EXPECT_NE(az.error().message.find("DuckDB's azure extension"), std::string::npos);
  EXPECT_NE(az.error().message.find("INSTALL azure"), std::string::npos);
  // Nothing to read in a cloud store: nothing is needed.
  EXPECT_TRUE(PrepareCloudReads(con, "", {}).has_value());
}

// A view external_table made over cloud files is read again with its own connection: the
// warehouse's readers ready its bucket (here failing for want of httpfs, which is kept as the
// problem) and may read that bucket when confined; a cloud lake is readied the same way.
TEST(DuckCloud, WarehouseReadersReadyTheLakeAndTheViewsOverCloudFiles) {
  TempDir dir;
  std::string warehouse = dir.path() + "/warehouse.duckdb";
  {
    auto db = DuckDatabase::Open(warehouse).value();
    auto con = db->Connect().value();
    ASSERT_TRUE(con.Execute("CREATE VIEW local_one AS SELECT 1 AS n; CREATE VIEW trips AS SELECT 2 "
                            "AS n; COMMENT ON VIEW trips IS " +
                            DuckString(CloudViewComment(
                                {"s3://other/raw/t/**/*.parquet", {"rgw", nullptr}})))
                    .has_value());
  }
  auto problem = std::make_shared<std::string>();
  LakeAccess lake{"", nullptr};
  DuckOptions options;
  options.read_only = true;
  options.prepare = WarehouseReadsPrepare("gs://lakebkt/lake", lake, dir.path(), problem);
  std::vector<std::string> allowed;
  {
    auto db = DuckDatabase::Open(warehouse, options).value();
    auto con = db->Connect().value();
    EXPECT_EQ(con.Query("SELECT n FROM local_one").value().rows.at(0).at(0), "1");
  }
  EXPECT_NE(problem->find("reading gs://lakebkt/lake needs DuckDB's httpfs extension"),
            std::string::npos)
      << *problem;
  // What the prepare returns: the lake's prefix and the view's bucket.
  auto db = DuckDatabase::Open(warehouse).value();
  auto con = db->Connect().value();
  allowed = WarehouseReadsPrepare("gs://lakebkt/lake", lake, dir.path(), problem)(con).value();
  EXPECT_EQ(allowed, (std::vector<std::string>{"gs://lakebkt/lake/", "s3://other/"}));
  Error failed = WithCloudProblem(Error{ErrorCode::kInvalidArgument, "query: boom"}, *problem);
  EXPECT_EQ(failed.message.rfind("query: boom; and DuckDB cannot read cloud files: reading ", 0),
            0u)
      << failed.message;
  EXPECT_EQ(WithCloudProblem(Error{ErrorCode::kInvalidArgument, "x"}, "").message, "x");
}

}  // namespace
}  // namespace weir
