// `weir connections test`: a real request to a real server per type.
#include "ops/connection_check.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "base/url.h"
#include "env/temp_dir.h"
#include "net/test_http_server.h"

namespace weir {
namespace {

Connection Conn(std::string_view uri) { return ParseConnectionUri(uri, "test").value(); }

TEST(CheckConnection, HttpGetsItsBaseUrl) {
  TempDir dir;
  std::filesystem::create_directories(dir.Join("srv"));
  std::ofstream(dir.Join("srv/index.html")) << "hi";
  TestHttpServer server(dir.Join("srv"));
  ASSERT_NE(server.port(), 0);
  Connection ok = Conn("http://u:p@h");
  ok.host = server.Url("index.html");
  auto seen = CheckConnection(ok);
  ASSERT_TRUE(seen) << seen.error().message;
  EXPECT_NE(seen->find("HTTP 200"), std::string::npos) << *seen;
  auto log = server.Requests();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0]["authorization"], "Basic dTpw");
  ok.host = server.Url("missing");
  auto missing = CheckConnection(ok);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("HTTP 404"), std::string::npos);
  ok.host = "http://127.0.0.1:" + std::to_string(UnusedPort());
  EXPECT_FALSE(CheckConnection(ok));
}

TEST(CheckConnection, AwsListsTheBucketsItsKeysSee) {
  TestS3Server s3;
  ASSERT_NE(s3.port(), 0) << "s3rver did not start (scripts/setup installs it)";
  Connection c = Conn("aws://S3RVER:S3RVER@?endpoint_url=" + PercentEncode(s3.Endpoint()));
  auto seen = CheckConnection(c);
  ASSERT_TRUE(seen) << seen.error().message;
  EXPECT_NE(seen->find("1 bucket at " + s3.Endpoint() + ": lake"), std::string::npos) << *seen;
  c.password = "Zx9-wrong-secret";
  auto wrong = CheckConnection(c);
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().message.find("403"), std::string::npos) << wrong.error().message;
  EXPECT_EQ(wrong.error().message.find("Zx9"), std::string::npos);
}

TEST(CheckConnection, TypesWithoutACheckSaySo) {
  auto r = CheckConnection(Conn("postgres://u:p@db/x"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(r.error().message.find("no check for connection type 'postgres'"), std::string::npos);
}

}  // namespace
}  // namespace weir
