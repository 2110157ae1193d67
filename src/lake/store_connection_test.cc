// What opening a lake reads before any request: S3 locations from Airflow aws connections,
// the environment and AWS's shared files; URIs OpenObjectStore refuses; MD5s from ETags.
// The stores themselves are object_store_test.cc's.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "env/temp_dir.h"
#include "lake/object_store.h"
#include "lake/s3/s3_store.h"
#include "model/connection.h"

namespace weir {
namespace {

TEST(ObjectInfoMd5, FromEtagsAndBase64) {
  EXPECT_EQ(Md5OfEtag("9E107D9D372BB6826BD81D3542A419D6"), "9e107d9d372bb6826bd81d3542a419d6");
  EXPECT_EQ(Md5OfEtag("9e107d9d372bb6826bd81d3542a419d6-3"), "");  // a multipart upload's
  EXPECT_EQ(Md5OfEtag("0x8D9F1B2C3D4E5F6"), "");                   // Azure's, opaque
  EXPECT_EQ(Md5OfBase64("nhB9nTcrtoJr2B01QqQZ1g=="), "9e107d9d372bb6826bd81d3542a419d6");
  EXPECT_EQ(Md5OfBase64("1234"), "");
  EXPECT_EQ(Md5OfBase64(""), "");
}

TEST(S3LocationOf, ReadsAnAwsConnection) {
  Connection c = ParseConnectionUri(
                     "aws://AKIA:SECRET@?region_name=eu-west-1&endpoint_url=http%3A%2F%2F127.0.0.1"
                     "%3A7480%2F&aws_session_token=TOK",
                     "t")
                     .value();
  S3Location loc = S3LocationOf("s3://bucket/raw/taxi", c).value();
  EXPECT_EQ(loc.bucket, "bucket");
  EXPECT_EQ(loc.prefix, "raw/taxi/");
  EXPECT_EQ(loc.endpoint, "http://127.0.0.1:7480");
  EXPECT_TRUE(loc.path_style);
  EXPECT_EQ(loc.region, "eu-west-1");
  EXPECT_EQ(loc.credentials.session_token, "TOK");
  EXPECT_EQ(S3ObjectStore(loc).uri(), "s3://bucket/raw/taxi");
  // AWS itself: virtual-host style at the region's endpoint.
  Connection aws = ParseConnectionUri("aws://AKIA:SECRET@?region_name=eu-west-1", "t").value();
  S3Location at_aws = S3LocationOf("s3://bucket", aws).value();
  EXPECT_EQ(at_aws.endpoint, "https://s3.eu-west-1.amazonaws.com");
  EXPECT_FALSE(at_aws.path_style);
  EXPECT_EQ(at_aws.prefix, "");
  // What is wrong is said.
  EXPECT_FALSE(S3LocationOf("s3:///x", aws));
  EXPECT_FALSE(S3LocationOf("s3://b/../x", aws));
  Connection http = ParseConnectionUri("http://h", "t").value();
  EXPECT_NE(S3LocationOf("s3://b", http).error().message.find("needs an aws connection"),
            std::string::npos);
}

// Keys the connection lacks come from the environment, then from the shared files' profile.
TEST(S3LocationOf, FallsBackToTheEnvironmentAndTheSharedProfiles) {
  TempDir dir;
  std::ofstream(dir.Join("credentials"))
      << "[default]\naws_access_key_id = DEFKEY\naws_secret_access_key = DEFSECRET\n\n"
         "# a comment\n[work]\naws_access_key_id=WORKKEY\naws_secret_access_key=WORKSECRET\n"
         "aws_session_token = WORKTOKEN\n";
  std::ofstream(dir.Join("config")) << "[default]\nregion = eu-north-1\n[profile work]\n"
                                       "region = ap-south-1\n";
  setenv("AWS_SHARED_CREDENTIALS_FILE", dir.Join("credentials").c_str(), 1);
  setenv("AWS_CONFIG_FILE", dir.Join("config").c_str(), 1);
  for (const char* v : {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                        "AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION"}) {
    unsetenv(v);
  }
  Connection bare = ParseConnectionUri("aws://", "t").value();
  S3Location def = S3LocationOf("s3://b", bare).value();
  EXPECT_EQ(def.credentials.access_key_id, "DEFKEY");
  EXPECT_EQ(def.region, "eu-north-1");
  setenv("AWS_PROFILE", "work", 1);
  S3Location work = S3LocationOf("s3://b", bare).value();
  EXPECT_EQ(work.credentials.secret_access_key, "WORKSECRET");
  EXPECT_EQ(work.credentials.session_token, "WORKTOKEN");
  EXPECT_EQ(work.region, "ap-south-1");
  // The connection's profile_name wins over AWS_PROFILE; the environment's keys over both.
  Connection named = ParseConnectionUri("aws://?profile_name=default", "t").value();
  EXPECT_EQ(S3LocationOf("s3://b", named)->credentials.access_key_id, "DEFKEY");
  setenv("AWS_ACCESS_KEY_ID", "ENVKEY", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "ENVSECRET", 1);
  EXPECT_EQ(S3LocationOf("s3://b", named)->credentials.access_key_id, "ENVKEY");
  unsetenv("AWS_ACCESS_KEY_ID");
  unsetenv("AWS_SECRET_ACCESS_KEY");
  // A profile that does not exist: the error says where keys are looked for.
  setenv("AWS_PROFILE", "nope", 1);
  auto none = S3LocationOf("s3://b", bare);
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("profile [nope]"), std::string::npos);
  for (const char* v : {"AWS_PROFILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE"}) {
    unsetenv(v);
  }
}

TEST(OpenObjectStore, UnsupportedOrRelativeUrisAreExplained) {
  auto ftp = OpenObjectStore("ftp://bucket/prefix");
  ASSERT_FALSE(ftp.has_value());
  EXPECT_NE(ftp.error().message.find("file:///"), std::string::npos);
  EXPECT_NE(ftp.error().message.find("s3://"), std::string::npos);
  EXPECT_NE(ftp.error().message.find("gs://"), std::string::npos);
  EXPECT_FALSE(OpenObjectStore("file://relative/path").has_value());
}

}  // namespace
}  // namespace weir
