#include "model/connection.h"

#include <gtest/gtest.h>

#include "base/secret_masker.h"

namespace weir {
namespace {

Connection Uri(std::string_view uri) {
  auto c = ParseConnectionUri(uri, "test");
  EXPECT_TRUE(c) << c.error().message;
  return c.value_or(Connection{});
}

TEST(Connection, ParsesAirflowsUriForm) {
  Connection c = Uri("postgresql://us%40er:p%3Ass%2Fw@db.example.com:5433/my%20db?sslmode=require");
  EXPECT_EQ(c.conn_type, "postgres");
  EXPECT_EQ(c.login, "us@er");
  EXPECT_EQ(c.password, "p:ss/w");
  EXPECT_EQ(c.host, "db.example.com");
  EXPECT_EQ(c.port, 5433);
  EXPECT_EQ(c.schema, "my db");
  EXPECT_EQ(c.extra, Json({{"sslmode", "require"}}));
}

TEST(Connection, ParsesAwsKeysWithoutHostAndDashedTypes) {
  Connection c =
      Uri("aws://AKIA:se%2Bcret@?region_name=eu-west-1&endpoint_url=http%3A%2F%2F127.0.0.1%3A9000");
  EXPECT_EQ(c.conn_type, "aws");
  EXPECT_EQ(c.login, "AKIA");
  EXPECT_EQ(c.password, "se+cret");
  EXPECT_EQ(c.host, "");
  EXPECT_FALSE(c.port);
  EXPECT_EQ(c.extra["region_name"], "eu-west-1");
  EXPECT_EQ(c.extra["endpoint_url"], "http://127.0.0.1:9000");
  EXPECT_EQ(Uri("google-cloud-platform://?project=p").conn_type, "google_cloud_platform");
}

TEST(Connection, ReadsNestedExtraAndHostsWithAProtocol) {
  Connection c = Uri(
      "http://https%3A%2F%2Fapi.example.com/v1?__extra__=%7B%22headers%22%3A%7B%22X%22%3A1%7D%7D");
  EXPECT_EQ(c.host, "https://api.example.com");
  EXPECT_EQ(c.schema, "v1");
  EXPECT_EQ(c.extra["headers"]["X"], 1);
  EXPECT_EQ(Uri("http://https://api.example.com:8443").host, "https://api.example.com");
  EXPECT_EQ(Uri("http://https://api.example.com:8443").port, 8443);
}

TEST(Connection, UriFormRoundTrips) {
  Connection c;
  c.conn_type = "google_cloud_platform";
  c.login = "a b@c";
  c.password = "p@ss:/?#&=+ %";
  c.host = "https://h.example.com";
  c.port = 443;
  c.schema = "s/1";
  c.extra = {{"project", "my project"}, {"n", 3}};
  Connection back = Uri(ConnectionUri(c));
  EXPECT_EQ(back.conn_type, c.conn_type);
  EXPECT_EQ(back.login, c.login);
  EXPECT_EQ(back.password, c.password);
  EXPECT_EQ(back.host, c.host);
  EXPECT_EQ(back.port, c.port);
  EXPECT_EQ(back.schema, c.schema);
  EXPECT_EQ(back.extra, c.extra);
  c.extra = {{"region_name", "eu west"}};
  EXPECT_EQ(ConnectionUri(c).substr(ConnectionUri(c).find('?')), "?region_name=eu+west");
  EXPECT_EQ(Uri(ConnectionUri(c)).extra, c.extra);
}

TEST(Connection, RefusesWhatIsNotAConnection) {
  for (std::string_view bad :
       {"no scheme here", "://host", "a://b://c://d", "http://h:99999", "http://h:port",
        "http://[::1", "aws://?__extra__=%5B1%5D", "a$b://host"}) {
    auto c = ParseConnectionUri(bad, "WEIR_CONN_X");
    ASSERT_FALSE(c) << bad;
    EXPECT_EQ(c.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(c.error().message.find("WEIR_CONN_X: "), std::string::npos) << c.error().message;
  }
  std::string huge = "http://h?x=" + std::string(kMaxConnectionText, 'a');
  auto c = ParseConnectionText(huge, "here");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("more than the 65536 allowed"), std::string::npos);
}

TEST(Connection, ParsesTheJsonFormWithExtraAsObjectOrText) {
  auto c = ParseConnectionText(
      R"({"conn_type": "aws", "login": "K", "password": "S", "port": "9000",
          "extra": "{\"region_name\": \"us-east-1\"}"})",
      "x");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->port, 9000);
  EXPECT_EQ(c->extra["region_name"], "us-east-1");
  EXPECT_FALSE(ParseConnectionText(R"({"login": "K"})", "x"));
  EXPECT_FALSE(ParseConnectionText(R"({"conn_type": "aws", "hots": "K"})", "x"));
  EXPECT_FALSE(ParseConnectionText(R"({"conn_type": "aws", "extra": [1]})", "x"));
  EXPECT_FALSE(ParseConnectionText(R"({"conn_type": "aws", "port": 1.5})", "x"));
  Connection d = *c;
  auto back = ParseConnectionJson(ConnectionJson(d, true), "x");
  ASSERT_TRUE(back);
  EXPECT_EQ(back->password, "S");
  EXPECT_EQ(back->extra, d.extra);
}

TEST(Connection, SecretsAreThePasswordAndSensitiveExtras) {
  Connection c;
  c.conn_type = "google_cloud_platform";
  c.password = "pw";
  c.extra = {{"project", "p1"},
             {"keyfile_dict", {{"private_key", "-----BEGIN"}, {"client_email", "e@x"}}},
             {"aws_secret_access_key", "sk"},
             {"Session_Token", ""}};
  auto secrets = ConnectionSecrets(c);
  // In the order of the extra's keys (sorted), a nested object by its leaves, but a key
  // file's identifying fields (client_email, project_id, ...) stay readable.
  EXPECT_EQ(secrets, (std::vector<std::string>{"pw", "sk", "-----BEGIN"}));
  // The same key pasted as text: its private key as it reads once parsed.
  Connection text = c;
  text.extra = {{"keyfile_dict", R"({"private_key": "-----BEGIN\nK", "type": "service_account"})"}};
  EXPECT_EQ(ConnectionSecrets(text), (std::vector<std::string>{"pw", "-----BEGIN\nK"}));
  SecretMasker masker(ConnectionSecrets(text));
  std::string shown_text = masker.Mask(text.extra.dump());
  EXPECT_EQ(shown_text.find("BEGIN"), std::string::npos) << shown_text;
  EXPECT_NE(shown_text.find("service_account"), std::string::npos) << shown_text;
  Json shown = ConnectionJson(c, false);
  EXPECT_EQ(shown["password"], "***");
  EXPECT_EQ(shown["extra"]["keyfile_dict"], "***");
  EXPECT_EQ(shown["extra"]["project"], "p1");
  auto [pub, secret] = SplitExtra(c.extra);
  EXPECT_EQ(pub, Json({{"project", "p1"}}));
  EXPECT_EQ(secret.size(), 3u);
  EXPECT_TRUE(IsSensitiveKey("SAS_TOKEN"));
  EXPECT_FALSE(IsSensitiveKey("region_name"));
}

TEST(Connection, TemplateViewHasAirflowsAttributes) {
  Connection c = Uri("http://u:p@h:80/s?a=b");
  c.conn_id = "api";
  Json t = ConnectionTemplateJson(c);
  EXPECT_EQ(t["host"], "h");
  EXPECT_EQ(t["port"], 80);
  EXPECT_EQ(t["extra"], R"({"a":"b"})");
  EXPECT_EQ(t["extra_dejson"]["a"], "b");
  EXPECT_EQ(ConnectionEnvName("my_s3.x"), "WEIR_CONN_MY_S3.X");
}

}  // namespace
}  // namespace weir
