#include "ops/http_download.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/hash.h"
#include "env/temp_dir.h"
#include "net/test_http_server.h"

namespace weir {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A fixture server per test (so its request log and failure counters start empty) serving
// srv/yellow/trips.csv.gz: 300 kB of deterministic bytes, enough that a dropped transfer
// really stops half way.
class HttpDownloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir_.Join("srv/yellow"));
    fs::create_directories(dir_.Join("work"));
    uint32_t x = 12345;
    for (int i = 0; i < 300000; ++i) {
      x = x * 1103515245 + 12345;
      content_.push_back(static_cast<char>(x >> 24));
    }
    std::ofstream(dir_.Join("srv/yellow/trips.csv.gz"), std::ios::binary) << content_;
    server_ = std::make_unique<TestHttpServer>(dir_.Join("srv"));
    ASSERT_NE(server_->port(), 0) << "the fixture server did not start";
    ctx_.work_dir = dir_.Join("work");
  }

  std::string Url(std::string_view path) const { return server_->Url(path); }
  std::string Work(std::string_view name) const { return dir_.Join("work/" + std::string(name)); }
  // The server's request log, without the test's own probes.
  Json Requests() const { return server_->Requests(); }
  // Arguments with tiny retry delays, so that retries cost milliseconds.
  Json Args(std::string url) const {
    return Json{{"url", std::move(url)}, {"retry_delay_seconds", 0.01}};
  }
  // Nothing of a failed download is left in the work folder.
  void ExpectNothingLeft(const std::string& name) {
    EXPECT_FALSE(fs::exists(Work(name)));
    EXPECT_FALSE(fs::exists(Work(name + ".part")));
    EXPECT_FALSE(fs::exists(Work(name + ".part.json")));
    EXPECT_FALSE(fs::exists(Work(name + ".weir-source.json")));
  }

  TempDir dir_;
  std::string content_;
  std::unique_ptr<TestHttpServer> server_;
  NativeContext ctx_;
  HttpDownloadOperator op_;
};

TEST_F(HttpDownloadTest, DownloadsAFileWithItsChecksumSidecarAndResult) {
  Json r = op_.Run(Args(Url("yellow/trips.csv.gz")), ctx_).value();
  std::string path = Work("trips.csv.gz");  // named after the URL by default
  EXPECT_EQ(r["path"], path);
  EXPECT_EQ(r["bytes"], 300000);
  EXPECT_EQ(r["sha256"], Sha256Hex(content_));
  EXPECT_EQ(r["status"], 200);
  EXPECT_EQ(r["content_type"], "application/gzip");
  EXPECT_EQ(r["url"], Url("yellow/trips.csv.gz"));
  EXPECT_EQ(r["final_url"], Url("yellow/trips.csv.gz"));
  std::string etag = r["etag"];
  EXPECT_EQ(etag.front(), '"');
  EXPECT_FALSE(r["last_modified"].get<std::string>().empty());
  EXPECT_EQ(ReadFile(path), content_);
  EXPECT_FALSE(fs::exists(path + ".part"));
  EXPECT_FALSE(fs::exists(path + ".part.json"));

  Json sidecar = ParseJson(ReadFile(path + ".weir-source.json"), "sidecar").value();
  EXPECT_EQ(sidecar["source_url"], Url("yellow/trips.csv.gz"));
  EXPECT_EQ(sidecar["etag"], etag);
  EXPECT_EQ(sidecar["last_modified"], r["last_modified"]);
  EXPECT_EQ(sidecar["content_type"], "application/gzip");
  EXPECT_EQ(sidecar["sha256"], Sha256Hex(content_));
  EXPECT_EQ(sidecar["bytes"], 300000);
}

TEST_F(HttpDownloadTest, FollowsRedirectsAndRecordsTheFinalUrl) {
  Json args = Args(Url("redirect/3/yellow/trips.csv.gz"));
  args["output"] = "raw/2019-01.csv.gz";
  Json r = op_.Run(args, ctx_).value();
  EXPECT_EQ(r["path"], Work("raw/2019-01.csv.gz"));
  EXPECT_EQ(r["url"], Url("redirect/3/yellow/trips.csv.gz"));
  EXPECT_EQ(r["final_url"], Url("yellow/trips.csv.gz"));
  EXPECT_EQ(ReadFile(Work("raw/2019-01.csv.gz")), content_);
  Json sidecar = ParseJson(ReadFile(Work("raw/2019-01.csv.gz.weir-source.json")), "").value();
  EXPECT_EQ(sidecar["source_url"], Url("redirect/3/yellow/trips.csv.gz"));
  EXPECT_EQ(sidecar["final_url"], Url("yellow/trips.csv.gz"));
  EXPECT_EQ(Requests().size(), 4u);
}

// Airflow's HttpHook: the connection's host is the base of a relative url; its login and
// password are basic auth, a password alone a bearer token; its extra headers are sent, and
// the task's own headers win.
TEST_F(HttpDownloadTest, AnHttpConnectionGivesTheBaseUrlAuthAndHeaders) {
  Connection conn;
  conn.conn_id = "tlc";
  conn.conn_type = "http";
  conn.host = Url("");
  conn.login = "Aladdin";
  conn.password = "open sesame";
  conn.extra = {{"headers", {{"Accept", "text/csv"}}}};
  std::vector<std::string> asked;
  ctx_.find_connection = [&](const std::string& id) -> Result<Connection> {
    asked.push_back(id);
    if (id != "tlc") return Err(ErrorCode::kNotFound, "connection '{}' does not exist", id);
    return conn;
  };
  Json args = Args("/yellow/trips.csv.gz");
  args["http_conn_id"] = "tlc";
  Json r = op_.Run(args, ctx_).value();
  EXPECT_EQ(r["url"], Url("yellow/trips.csv.gz"));
  EXPECT_EQ(asked, std::vector<std::string>{"tlc"});
  Json log = Requests();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0]["authorization"], "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  EXPECT_EQ(log[0]["accept"], "text/csv");

  // A password alone is a bearer token; the task's headers win over the connection's.
  conn.login = "";
  conn.password = "tok-42";
  args["headers"] = {{"Accept", "application/gzip"}};
  args["skip_unchanged"] = false;
  args["output"] = "second.csv.gz";
  ASSERT_TRUE(op_.Run(args, ctx_).has_value());
  log = Requests();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[1]["authorization"], "Bearer tok-42");
  EXPECT_EQ(log[1]["accept"], "application/gzip");

  // The wrong type, or a relative url without a host, says what to fix.
  conn.conn_type = "aws";
  auto wrong = op_.Run(args, ctx_);
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().message.find("needs an http one"), std::string::npos);
  conn.conn_type = "http";
  conn.host = "";
  auto hostless = op_.Run(args, ctx_);
  ASSERT_FALSE(hostless);
  EXPECT_NE(hostless.error().message.find("has no host"), std::string::npos);
  args["http_conn_id"] = "nope";
  auto missing = op_.Run(args, ctx_);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("connection 'nope' does not exist"), std::string::npos);
}

TEST_F(HttpDownloadTest, A404FailsAtOnceWithTheStatusUrlAndBodyAndKeepsNothing) {
  auto r = op_.Run(Args(Url("yellow/missing.csv.gz")), ctx_);
  ASSERT_FALSE(r.has_value());
  const std::string& m = r.error().message;
  EXPECT_EQ(m.find("http_download: HTTP 404 Not Found from " + Url("yellow/missing.csv.gz") +
                   ": <?xml version=\"1.0\" encoding=\"UTF-8\"?> <Error><Code>NoSuchKey</Code>"),
            0u)
      << m;
  EXPECT_EQ(m.find('\n'), std::string::npos);
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(Requests().size(), 1u);  // never retried
  ExpectNothingLeft("missing.csv.gz");

  auto redirected = op_.Run(Args(Url("redirect/1/yellow/gone.csv.gz")), ctx_);
  ASSERT_FALSE(redirected.has_value());
  EXPECT_NE(redirected.error().message.find("from " + Url("redirect/1/yellow/gone.csv.gz") +
                                            " (redirected to " + Url("yellow/gone.csv.gz") + ")"),
            std::string::npos)
      << redirected.error().message;
}

TEST_F(HttpDownloadTest, RetriesServerErrorsThenSucceeds) {
  Json r = op_.Run(Args(Url("status/500/yellow/trips.csv.gz?times=2")), ctx_).value();
  EXPECT_EQ(r["sha256"], Sha256Hex(content_));
  EXPECT_EQ(r["path"], Work("trips.csv.gz"));  // the query is not part of the name
  Json log = Requests();
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0]["status"], 500);
  EXPECT_EQ(log[1]["status"], 500);
  EXPECT_EQ(log[2]["status"], 200);
}

TEST_F(HttpDownloadTest, GivesUpAfterItsRetriesWithTheLastError) {
  Json args = Args(Url("status/503/yellow/trips.csv.gz"));
  args["retries"] = 2;
  auto r = op_.Run(args, ctx_);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("HTTP 503 Service Unavailable from"), std::string::npos);
  EXPECT_NE(r.error().message.find("(gave up after 3 tries)"), std::string::npos)
      << r.error().message;
  EXPECT_EQ(Requests().size(), 3u);
  ExpectNothingLeft("trips.csv.gz");
}

TEST_F(HttpDownloadTest, WaitsAsLongAsRetryAfterAsksOn429) {
  auto started = std::chrono::steady_clock::now();
  Json r = op_.Run(Args(Url("status/429/yellow/trips.csv.gz?times=1")), ctx_).value();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_GE(secs, 0.95);  // Retry-After: 1 beats retry_delay_seconds 0.01
  EXPECT_EQ(r["bytes"], 300000);
  EXPECT_EQ(Requests().size(), 2u);
}

TEST_F(HttpDownloadTest, ResumesADroppedTransferWithARangeRequest) {
  Json r = op_.Run(Args(Url("drop/yellow/trips.csv.gz")), ctx_).value();
  EXPECT_EQ(r["sha256"], Sha256Hex(content_));  // covers the resumed prefix too
  EXPECT_EQ(r["bytes"], 300000);
  EXPECT_EQ(r["status"], 206);
  EXPECT_EQ(ReadFile(Work("trips.csv.gz")), content_);
  Json log = Requests();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_TRUE(log[0]["range"].is_null());
  EXPECT_EQ(log[1]["range"], "bytes=150000-");
  EXPECT_EQ(log[1]["if_range"], r["etag"]);
  EXPECT_EQ(log[1]["status"], 206);
}

TEST_F(HttpDownloadTest, ALaterAttemptResumesWhatAnEarlierOneLeft) {
  Json args = Args(Url("drop/yellow/trips.csv.gz"));
  args["retries"] = 0;
  auto first = op_.Run(args, ctx_);
  ASSERT_FALSE(first.has_value());
  EXPECT_NE(first.error().message.find("gave up after 1 tries"), std::string::npos)
      << first.error().message;
  EXPECT_EQ(fs::file_size(Work("trips.csv.gz.part")), 150000u);
  EXPECT_FALSE(fs::exists(Work("trips.csv.gz")));

  Json r = op_.Run(args, ctx_).value();
  EXPECT_EQ(r["sha256"], Sha256Hex(content_));
  Json log = Requests();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[1]["range"], "bytes=150000-");
}

TEST_F(HttpDownloadTest, AChecksumMismatchFailsAndKeepsNothing) {
  Json args = Args(Url("yellow/trips.csv.gz"));
  args["expected_sha256"] = Sha256Hex("something else");
  auto r = op_.Run(args, ctx_);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("expected sha256 " + Sha256Hex("something else") + " but got " +
                                   Sha256Hex(content_)),
            std::string::npos)
      << r.error().message;
  EXPECT_EQ(Requests().size(), 1u);
  ExpectNothingLeft("trips.csv.gz");
}

TEST_F(HttpDownloadTest, ASizeMismatchFailsAndKeepsNothing) {
  Json args = Args(Url("yellow/trips.csv.gz"));
  args["expected_size"] = 1000;
  auto r = op_.Run(args, ctx_);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("expected_size is 1000 bytes but got 300000 bytes"),
            std::string::npos)
      << r.error().message;
  ExpectNothingLeft("trips.csv.gz");

  args["expected_size"] = 300000;
  args["expected_sha256"] = Sha256Hex(content_);
  EXPECT_TRUE(op_.Run(args, ctx_).has_value());
}

TEST_F(HttpDownloadTest, SkipsWhenTheLakesCopyIsStillCurrent) {
  Json first = op_.Run(Args(Url("yellow/trips.csv.gz")), ctx_).value();
  std::string etag = first["etag"];
  std::string asked;
  ctx_.find_source_copy = [&](const std::string& url) -> Result<std::optional<SourceCopy>> {
    asked = url;
    return SourceCopy{url, etag, "", "lake://raw/trips.csv.gz"};
  };
  Json r = op_.Run(Args(Url("yellow/trips.csv.gz")), ctx_).value();
  EXPECT_EQ(asked, Url("yellow/trips.csv.gz"));
  EXPECT_EQ(r["skipped"], true);
  EXPECT_EQ(r["reason"],
            "source unchanged since lake://raw/trips.csv.gz was made (ETag " + etag + ")");
  EXPECT_EQ(r["object_uri"], "lake://raw/trips.csv.gz");
  EXPECT_EQ(r["url"], Url("yellow/trips.csv.gz"));
  Json log = Requests();
  EXPECT_EQ(log.back()["if_none_match"], etag);
  EXPECT_EQ(log.back()["status"], 304);

  // Last-Modified alone works too.
  std::string last_modified = first["last_modified"];
  ctx_.find_source_copy = [&](const std::string& url) -> Result<std::optional<SourceCopy>> {
    return SourceCopy{url, "", last_modified, "lake://raw/trips.csv.gz"};
  };
  Json by_date = op_.Run(Args(Url("yellow/trips.csv.gz")), ctx_).value();
  EXPECT_EQ(by_date["skipped"], true);
  EXPECT_EQ(Requests().back()["if_modified_since"], last_modified);
}

TEST_F(HttpDownloadTest, DownloadsWhenTheSourceChangedOrSkippingIsOff) {
  ctx_.find_source_copy = [](const std::string& url) -> Result<std::optional<SourceCopy>> {
    return SourceCopy{url, "\"an-older-version\"", "", "lake://raw/trips.csv.gz"};
  };
  Json r = op_.Run(Args(Url("yellow/trips.csv.gz")), ctx_).value();
  EXPECT_FALSE(r.contains("skipped"));
  EXPECT_EQ(r["sha256"], Sha256Hex(content_));
  EXPECT_EQ(Requests().back()["if_none_match"], "\"an-older-version\"");

  Json args = Args(Url("yellow/trips.csv.gz"));
  args["skip_unchanged"] = false;
  ctx_.find_source_copy = [&](const std::string& url) -> Result<std::optional<SourceCopy>> {
    return SourceCopy{url, r["etag"], "", "lake://raw/trips.csv.gz"};
  };
  EXPECT_FALSE(op_.Run(args, ctx_).value().contains("skipped"));
  EXPECT_TRUE(Requests().back()["if_none_match"].is_null());
}

TEST_F(HttpDownloadTest, ARefusedConnectionFailsClearlyAfterItsRetries) {
  std::string url = "http://127.0.0.1:" + std::to_string(UnusedPort()) + "/yellow/x.csv.gz";
  Json args = Args(url);
  args["retries"] = 2;
  auto r = op_.Run(args, ctx_);
  ASSERT_FALSE(r.has_value());
  const std::string& m = r.error().message;
  EXPECT_EQ(m.find("http_download: fetching " + url + " failed: "), 0u) << m;
  EXPECT_NE(m.find("Connection refused"), std::string::npos) << m;
  EXPECT_NE(m.find("(gave up after 3 tries)"), std::string::npos) << m;
}

TEST_F(HttpDownloadTest, RefusesOutputsOutsideTheWorkFolderAndNamelessUrls) {
  Json args = Args(Url("yellow/trips.csv.gz"));
  args["output"] = "../escape.csv.gz";
  auto escape = op_.Run(args, ctx_);
  ASSERT_FALSE(escape.has_value());
  EXPECT_NE(escape.error().message.find("may not contain '..'"), std::string::npos);
  auto nameless = op_.Run(Args("http://127.0.0.1:1"), ctx_);
  ASSERT_FALSE(nameless.has_value());
  EXPECT_NE(nameless.error().message.find("set `output`"), std::string::npos);
  auto ftp = op_.Run(Args("ftp://example.com/x.csv"), ctx_);
  ASSERT_FALSE(ftp.has_value());
  EXPECT_TRUE(Requests().empty());
}

}  // namespace
}  // namespace weir
