#include "net/http_client.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "base/hash.h"
#include "base/json.h"
#include "env/temp_dir.h"
#include "net/test_http_server.h"

namespace weir {
namespace {

HttpRequest Req(std::string url) {
  HttpRequest r;
  r.url = std::move(url);
  return r;
}

// A folder served by the fixture server, with one file of known bytes.
class FetchTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = new TempDir();
    std::filesystem::create_directories(root_->Join("data"));
    content_ = new std::string();
    for (int i = 0; i < 5000; ++i) *content_ += "row " + std::to_string(i) + "\n";
    std::ofstream(root_->Join("data/rows.csv")) << *content_;
    server_ = new TestHttpServer(root_->path());
  }
  static void TearDownTestSuite() {
    delete server_;
    delete root_;
    delete content_;
  }
  void SetUp() override { ASSERT_NE(server_->port(), 0) << "the fixture server did not start"; }

  // Fetches into body_, recording the head it saw.
  Result<HttpResponse> Get(const HttpRequest& request) {
    body_.clear();
    heads_ = 0;
    HttpSink sink{[this](const HttpResponse& head) -> Status {
                    ++heads_;
                    head_status_ = head.status;
                    return {};
                  },
                  [this](std::string_view piece) -> Status {
                    body_.append(piece);
                    return {};
                  }};
    return Fetch(request, sink);
  }

  static TempDir* root_;
  static std::string* content_;
  static TestHttpServer* server_;
  std::string body_;
  int heads_ = 0;
  int head_status_ = 0;
};

TempDir* FetchTest::root_ = nullptr;
std::string* FetchTest::content_ = nullptr;
TestHttpServer* FetchTest::server_ = nullptr;

TEST_F(FetchTest, ReturnsTheBodyAndLowerCasedHeaders) {
  HttpResponse r = Get(Req(server_->Url("data/rows.csv"))).value();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.reason, "OK");
  EXPECT_EQ(body_, *content_);
  EXPECT_EQ(r.bytes_received, static_cast<int64_t>(content_->size()));
  EXPECT_EQ(r.content_length, static_cast<int64_t>(content_->size()));
  EXPECT_EQ(r.Header("content-type"), "text/csv");
  EXPECT_EQ(r.Header("etag").front(), '"');
  EXPECT_EQ(r.final_url, server_->Url("data/rows.csv"));
  EXPECT_EQ(heads_, 1);
}

TEST_F(FetchTest, FollowsRedirectsAndReportsTheFinalUrl) {
  HttpResponse r = Get(Req(server_->Url("redirect/3/data/rows.csv"))).value();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.final_url, server_->Url("data/rows.csv"));
  EXPECT_EQ(body_, *content_);
  EXPECT_EQ(r.Header("location"), "");  // the redirects' headers are gone

  auto loop = Get(Req(server_->Url("redirect/11/data/rows.csv")));
  ASSERT_FALSE(loop.has_value());
  EXPECT_EQ(loop.error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(IsTransient(loop.error()));
}

TEST_F(FetchTest, SendsRangeAndConditionalHeaders) {
  HttpResponse whole = Get(Req(server_->Url("data/rows.csv"))).value();
  HttpRequest range = Req(server_->Url("data/rows.csv"));
  range.range_from = 100;
  range.if_range = whole.Header("etag");
  HttpResponse tail = Get(range).value();
  EXPECT_EQ(tail.status, 206);
  EXPECT_EQ(body_, content_->substr(100));
  EXPECT_EQ(tail.Header("content-range"),
            fmt::format("bytes 100-{0}/{1}", content_->size() - 1, content_->size()));

  HttpRequest conditional = Req(server_->Url("data/rows.csv"));
  conditional.if_none_match = whole.Header("etag");
  HttpResponse same = Get(conditional).value();
  EXPECT_EQ(same.status, 304);
  EXPECT_EQ(same.reason, "Not Modified");
  EXPECT_EQ(body_, "");
  EXPECT_EQ(heads_, 1);  // the head arrives even without a body
  EXPECT_EQ(head_status_, 304);
}

TEST_F(FetchTest, AnErrorStatusIsAResponseWithItsBody) {
  HttpResponse r = Get(Req(server_->Url("data/missing.csv"))).value();
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.reason, "Not Found");
  EXPECT_NE(body_.find("<Code>NoSuchKey</Code>"), std::string::npos);
}

TEST_F(FetchTest, ARefusedConnectionIsATransientError) {
  std::string url = "http://127.0.0.1:" + std::to_string(UnusedPort()) + "/x.csv";
  auto r = Get(Req(url));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(IsTransient(r.error()));
  EXPECT_NE(r.error().message.find(url), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("Connection refused"), std::string::npos) << r.error().message;
  EXPECT_EQ(heads_, 0);
}

TEST_F(FetchTest, ADroppedTransferIsATransientErrorAfterPartOfTheBody) {
  auto r = Get(Req(server_->Url("drop/data/rows.csv?times=1")));
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(IsTransient(r.error())) << r.error().message;
  EXPECT_EQ(body_, content_->substr(0, content_->size() / 2));
  EXPECT_EQ(heads_, 1);
}

TEST_F(FetchTest, ASinkErrorAbortsTheTransferAndIsReturned) {
  HttpSink sink{nullptr,
                [](std::string_view) -> Status { return Err(ErrorCode::kIo, "disk full"); }};
  auto r = Fetch(Req(server_->Url("data/rows.csv")), sink);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message, "disk full");
  EXPECT_EQ(r.error().code, ErrorCode::kIo);
}

TEST_F(FetchTest, SendsBodiesFromTextOrAPartOfAFileWithOtherMethods) {
  HttpRequest put = Req(server_->Url("upload/a?x=1"));
  put.method = "PUT";
  put.body = "hello";
  ASSERT_TRUE(Get(put).has_value());
  Json echo = ParseJson(body_, "echo").value();
  EXPECT_EQ(echo["method"], "PUT");
  EXPECT_EQ(echo["path"], "/upload/a?x=1");
  EXPECT_EQ(echo["length"], 5);
  EXPECT_EQ(echo["head"], "hello");
  EXPECT_TRUE(echo["expect"].is_null()) << "no Expect: 100-continue";

  // A part of a file: bytes [100, 100 + 1000) of rows.csv.
  HttpRequest post = Req(server_->Url("upload/b"));
  post.method = "POST";
  post.body_file = root_->Join("data/rows.csv");
  post.body_offset = 100;
  post.body_length = 1000;
  ASSERT_TRUE(Get(post).has_value());
  echo = ParseJson(body_, "echo").value();
  EXPECT_EQ(echo["method"], "POST");
  EXPECT_EQ(echo["length"], 1000);
  EXPECT_EQ(echo["sha256"], Sha256Hex(content_->substr(100, 1000)));
  // The rest of the file from an offset; an empty DELETE.
  post.body_length = -1;
  ASSERT_TRUE(Get(post).has_value());
  EXPECT_EQ(ParseJson(body_, "echo").value()["length"], content_->size() - 100);
  HttpRequest del = Req(server_->Url("upload/c"));
  del.method = "DELETE";
  ASSERT_TRUE(Get(del).has_value());
  EXPECT_EQ(ParseJson(body_, "echo").value()["length"], 0);

  // HEAD has no body; a missing body file is an error naming it.
  HttpRequest head = Req(server_->Url("data/rows.csv"));
  head.method = "HEAD";
  auto r = Get(head);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->content_length, static_cast<int64_t>(content_->size()));
  EXPECT_EQ(body_, "");
  post.body_file = root_->Join("nope");
  auto missing = Get(post);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("cannot read " + root_->Join("nope")), std::string::npos);
}

TEST(ParseRetryAfter, AcceptsSecondsAndHttpDates) {
  EXPECT_EQ(ParseRetryAfter("1"), std::chrono::seconds(1));
  EXPECT_EQ(ParseRetryAfter(" 120 "), std::chrono::seconds(120));
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT"), std::chrono::seconds(0));
  auto future = ParseRetryAfter("Fri, 01 Jan 2100 00:00:00 GMT");
  ASSERT_TRUE(future.has_value());
  EXPECT_GT(future->count(), 3600);
  EXPECT_EQ(ParseRetryAfter("soon"), std::nullopt);
  EXPECT_EQ(ParseRetryAfter(""), std::nullopt);
}

TEST(HttpReason, NamesCommonStatuses) {
  EXPECT_EQ(HttpReason(429), "Too Many Requests");
  EXPECT_EQ(HttpReason(599), "");
}

}  // namespace
}  // namespace weir
