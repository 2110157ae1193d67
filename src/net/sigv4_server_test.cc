// SigV4 against a server that verifies it (s3rver 5): what weir signs is accepted, a wrong
// secret or a request changed after signing is refused.
#include <gtest/gtest.h>

#include "base/hash.h"
#include "net/http_client.h"
#include "net/sigv4.h"
#include "net/test_http_server.h"

namespace weir {
namespace {

class SigV4ServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new TestS3Server(); }
  static void TearDownTestSuite() { delete server_; }
  void SetUp() override {
    ASSERT_NE(server_->port(), 0) << "s3rver did not start (scripts/setup installs it)";
  }

  // Sends `method` on /lake/<key> (path style), signed with `creds`; the body is `body`.
  Result<HttpResponse> Send(const std::string& method, const std::string& key,
                            const std::string& body, const AwsCredentials& creds,
                            std::string* response_body = nullptr,
                            const std::function<void(HttpRequest&)>& tamper = {}) {
    SigV4Request sig;
    sig.method = method;
    sig.host = "127.0.0.1:" + std::to_string(server_->port());
    sig.path = "/lake/" + S3EncodePath(key);
    sig.payload_sha256 = Sha256Hex(body);
    HttpRequest req;
    req.url = server_->Endpoint() + sig.path;
    req.method = method;
    req.body = body;
    req.headers = SignV4(sig, creds, {},
                         std::chrono::time_point_cast<Micros>(std::chrono::system_clock::now()));
    if (tamper) tamper(req);
    std::string sink_body;
    HttpSink sink{nullptr, [&](std::string_view piece) -> Status {
                    sink_body.append(piece);
                    return {};
                  }};
    auto r = Fetch(req, sink);
    if (response_body != nullptr) *response_body = sink_body;
    return r;
  }

  static TestS3Server* server_;
  const AwsCredentials good_{"S3RVER", "S3RVER", ""};
};

TestS3Server* SigV4ServerTest::server_ = nullptr;

TEST_F(SigV4ServerTest, TheServerAcceptsWhatWeirSigns) {
  auto put = Send("PUT", "raw/a b+c.csv", "id,fare\n1,2.5\n", good_);
  ASSERT_TRUE(put) << put.error().message;
  EXPECT_EQ(put->status, 200);
  std::string body;
  auto get = Send("GET", "raw/a b+c.csv", "", good_, &body);
  ASSERT_TRUE(get) << get.error().message;
  EXPECT_EQ(get->status, 200) << body;
  EXPECT_EQ(body, "id,fare\n1,2.5\n");
  auto head = Send("HEAD", "raw/a b+c.csv", "", good_);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->content_length, 14);
}

TEST_F(SigV4ServerTest, AWrongSecretOrATamperedRequestIsRefused) {
  std::string body;
  auto wrong = Send("PUT", "x.csv", "data", {"S3RVER", "not-the-secret", ""}, &body);
  ASSERT_TRUE(wrong) << wrong.error().message;
  EXPECT_EQ(wrong->status, 403);
  EXPECT_NE(body.find("SignatureDoesNotMatch"), std::string::npos) << body;
  // The URL changed after signing (another key): the signature no longer matches.
  auto moved = Send("PUT", "x.csv", "data", good_, &body,
                    [&](HttpRequest& r) { r.url = server_->Endpoint() + "/lake/y.csv"; });
  ASSERT_TRUE(moved);
  EXPECT_EQ(moved->status, 403) << body;
  auto unknown = Send("GET", "x.csv", "", {"NOBODY", "S3RVER", ""}, &body);
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 403) << body;
}

}  // namespace
}  // namespace weir
