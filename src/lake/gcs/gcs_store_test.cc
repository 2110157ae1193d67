// What only a GCS lake does, against the suite's fake (tests/fixtures/gcs_fake.py), which holds
// the client to Google's rules: OAuth tokens, resumable uploads in 256 KiB multiples that
// resume after a cut by asking the session what it holds, rewrites in several calls, and
// faults on demand. The ObjectStore suite (object_store_test.cc) runs on it as well.
#include "lake/gcs/gcs_store.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "base/hash.h"
#include "env/temp_dir.h"
#include "lake/gcs/gcs_test_peers.h"
#include "lake/gcs/google_connection.h"

namespace weir {
namespace {

class GcsStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    ASSERT_NE(GcsFake().port(), 0) << "tests/fixtures/gcs_fake.py did not start";
    GcsFake().Reset();
  }

  GcsLocation At(const std::string& what) {
    static int n = 0;
    return GcsAt("gcs", fmt::format("{}-{}-{}/", what, getpid(), ++n));
  }

  std::string Local(const std::string& name, size_t size) {
    std::string path = dir_.Join(name);
    std::string content(size, '\0');
    for (size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>(i * 7 % 253);
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }

  std::string Read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }

  // The logged requests whose "METHOD path" contains `what`.
  std::vector<Json> Requests(const std::string& what) {
    std::vector<Json> out;
    for (const Json& r : GcsFake().Log()) {
      if ((r.value("method", "") + " " + r.value("path", "")).find(what) != std::string::npos) {
        out.push_back(r);
      }
    }
    return out;
  }

  TempDir dir_;
};

// A connection cut in the middle of a chunk: the client asks the session what it holds (a
// status query, "bytes */total"), sends the rest from there, and the object is whole.
TEST_F(GcsStoreTest, AnUploadCutMidChunkResumesFromWhatTheSessionHolds) {
  GcsLocation loc = At("cut");
  loc.single_request_max = 256 * 1024;
  loc.chunk_size = 1 << 20;
  GcsObjectStore store(loc);
  std::string src = Local("a.bin", (3 << 20) + 11);
  GcsFake().Control({{"drop_after", (1 << 20) + 300 * 1024}});  // in the second chunk
  auto put = store.Put("raw/a.bin", src);
  ASSERT_TRUE(put.has_value()) << put.error().message;
  EXPECT_EQ(put->sha256, Sha256Hex(Read(src)));
  int status_queries = 0;
  for (const Json& r : Requests("PUT /upload")) {
    if (r.value("content_range", "").starts_with("bytes */")) ++status_queries;
  }
  EXPECT_EQ(status_queries, 1);
  ASSERT_TRUE(store.Get("raw/a.bin", dir_.Join("back.bin")).has_value());
  EXPECT_EQ(Read(dir_.Join("back.bin")), Read(src));
  EXPECT_TRUE(GcsFake().Uploads().empty());
}

// A chunk the service refuses for good ends the upload: it is cancelled, no object appears,
// and no session is left open.
TEST_F(GcsStoreTest, ARefusedChunkCancelsTheUploadAndPublishesNothing) {
  GcsLocation loc = At("refused");
  loc.single_request_max = 256 * 1024;
  loc.chunk_size = 512 * 1024;
  GcsObjectStore store(loc);
  GcsFake().Control(
      {{"fail_next", Json::array({{{"status", 400}, {"match", "PUT /upload/storage/v1"}}})}});
  auto put = store.Put("raw/b.bin", Local("b.bin", (1 << 20) + 5));
  ASSERT_FALSE(put.has_value());
  EXPECT_NE(put.error().message.find("HTTP 400"), std::string::npos) << put.error().message;
  EXPECT_FALSE(store.Head("raw/b.bin").value().has_value());
  EXPECT_TRUE(GcsFake().Uploads().empty()) << GcsFake().Uploads().dump();
}

// The seed's workaround (a 5 MB chunk size so that a slow link does not time out) is not
// needed: nothing limits a chunk's time while bytes flow.
TEST_F(GcsStoreTest, AnUploadThroughASlowLinkCompletes) {
  GcsLocation loc = At("slow");
  loc.single_request_max = 256 * 1024;
  GcsObjectStore store(loc);
  GcsFake().Control({{"throttle_bps", 1 << 20}});
  std::string src = Local("slow.bin", (2 << 20) + 1);
  auto put = store.Put("raw/slow.bin", src);
  GcsFake().Control({{"throttle_bps", 0}});
  ASSERT_TRUE(put.has_value()) << put.error().message;
  EXPECT_EQ(put->size, (2 << 20) + 1);
}

// 503 and 429 are tried again, after at least the Retry-After the service asked for.
TEST_F(GcsStoreTest, OverloadIsRetriedHonouringRetryAfter) {
  GcsObjectStore store(At("busy"));
  std::string src = Local("c.csv", 100);
  GcsFake().Control(
      {{"fail_next",
        Json::array({{{"status", 503}, {"match", "POST /upload"}},
                     {{"status", 429}, {"retry_after", "1"}, {"match", "POST /upload"}}})}});
  auto start = std::chrono::steady_clock::now();
  auto put = store.Put("c.csv", src);
  ASSERT_TRUE(put.has_value()) << put.error().message;
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(900));
  EXPECT_EQ(Requests("POST /upload").size(), 3u);
}

// One token serves every request until it nears its end; a 401 (a revoked or expired token)
// fetches a new one once and goes on.
TEST_F(GcsStoreTest, ATokenIsReusedAndRenewedAfterA401) {
  GcsObjectStore store(At("tokens"));
  std::string src = Local("d.csv", 10);
  ASSERT_TRUE(store.Put("d1.csv", src).has_value());
  ASSERT_TRUE(store.Put("d2.csv", src).has_value());
  ASSERT_TRUE(store.List("").has_value());
  EXPECT_EQ(Requests("POST /token").size(), 1u);
  GcsFake().Control({{"fail_next", Json::array({{{"status", 401}, {"match", "GET /storage"}}})}});
  auto head = store.Head("d1.csv");
  ASSERT_TRUE(head.has_value()) << head.error().message;
  EXPECT_TRUE(head->has_value());
  EXPECT_EQ(Requests("POST /token").size(), 2u);
}

// gcloud's application-default credentials (an authorized_user file) work as a key does.
TEST_F(GcsStoreTest, AnAuthorizedUserRefreshTokenWorks) {
  std::string text = ReadFile(WEIR_SOURCE_DIR "/tests/fixtures/gcs/authorized_user.json").value();
  GoogleCredentials user = ParseGoogleKey(ParseJson(text, "adc").value(), "adc").value();
  user.token_uri = GcsFake().Endpoint() + "/token";
  GcsLocation loc = At("user");
  loc.tokens = std::make_shared<GoogleTokenSource>(user);
  GcsObjectStore store(loc);
  auto put = store.Put("e.csv", Local("e.csv", 5));
  ASSERT_TRUE(put.has_value()) << put.error().message;
}

// A wrong secret fails with Google's answer, kFailedPrecondition, and without the secret.
TEST_F(GcsStoreTest, WrongCredentialsFailWithGooglesAnswerAndNoSecret) {
  GoogleCredentials user;
  user.kind = GoogleCredentials::Kind::kAuthorizedUser;
  user.client_id = "weir-test.apps.googleusercontent.com";
  user.client_secret = "Qq7-not-the-secret";
  user.refresh_token = "weir-test-refresh";
  user.token_uri = GcsFake().Endpoint() + "/token";
  GcsLocation loc = At("wrong");
  loc.tokens = std::make_shared<GoogleTokenSource>(user);
  GcsObjectStore store(loc);
  auto put = store.Put("f.csv", Local("f.csv", 5));
  ASSERT_FALSE(put.has_value());
  EXPECT_EQ(put.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(put.error().message.find("invalid_client"), std::string::npos) << put.error().message;
  EXPECT_EQ(put.error().message.find("Qq7"), std::string::npos);
  EXPECT_TRUE(Requests("/upload").empty());
}

// A large object is rewritten in several calls, each handing a token to the next.
TEST_F(GcsStoreTest, ACopyTakesAsManyRewriteCallsAsTheServiceNeeds) {
  GcsObjectStore store(At("rewrite"));
  std::string src = Local("g.bin", (3 << 20) + 1);
  ASSERT_TRUE(store.Put("g.bin", src).has_value());
  GcsFake().Control({{"rewrite_bytes_per_call", 1 << 20}});
  auto copy = store.Copy("g.bin", "copy/g.bin");
  GcsFake().Control({{"rewrite_bytes_per_call", 0}});
  ASSERT_TRUE(copy.has_value()) << copy.error().message;
  EXPECT_EQ(Requests("/rewriteTo/").size(), 4u);
  auto head = store.Head("copy/g.bin").value();
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->sha256, Sha256Hex(Read(src)));  // the metadata came along
  ASSERT_TRUE(store.Get("copy/g.bin", dir_.Join("g.back")).has_value());
  EXPECT_EQ(Read(dir_.Join("g.back")), Read(src));
}

TEST_F(GcsStoreTest, ListsPastOnePage) {
  GcsLocation loc = At("pages");
  loc.list_page_size = 3;
  GcsObjectStore store(loc);
  std::string src = Local("x", 1);
  for (int i = 0; i < 7; ++i) ASSERT_TRUE(store.Put(fmt::format("k/{:02}", i), src).has_value());
  ASSERT_TRUE(store.Put("l/other", src).has_value());
  auto listed = store.List("k/");
  ASSERT_TRUE(listed.has_value()) << listed.error().message;
  ASSERT_EQ(listed->size(), 7u);
  EXPECT_EQ(listed->front().key, "k/00");
  EXPECT_EQ(listed->back().key, "k/06");
  EXPECT_EQ(listed->back().sha256, Sha256Hex(Read(src)));
  EXPECT_EQ(Requests("GET /storage/v1/b/lake/o").size(), 3u);
}

// Independent clients agree: Google's own Node.js client (which validates MD5 and CRC32C)
// reads what weir wrote byte for byte, with weir's sha256 in its metadata, and weir reads what
// Google's client wrote. On firebase-tools' emulator, Google's implementation of the API.
TEST_F(GcsStoreTest, GooglesOwnClientAndWeirReadEachOthersObjects) {
  ASSERT_NE(GcsEmulator().port(), 0) << "the GCS emulator did not start (scripts/setup)";
  std::string prefix = fmt::format("interop-{}/", getpid());
  GcsObjectStore store(GcsAt("gcs_emulator", prefix));
  std::string mine = Local("mine.bin", (3 << 20) + 17);
  ASSERT_TRUE(store.Put("mine.bin", mine).has_value());
  auto google = [&](const std::string& command, const std::string& name, const std::string& file) {
    std::string out = dir_.Join("client.json");
    std::string line =
        fmt::format("node {}/tests/js/gcs_client.cjs {} {} lake {} {} > {}", WEIR_SOURCE_DIR,
                    GcsEmulator().Endpoint(), command, prefix + name, file, out);
    EXPECT_EQ(std::system(line.c_str()), 0) << line;
    return ParseJson(Read(out), "gcs_client").value_or(Json());
  };
  Json seen = google("get", "mine.bin", dir_.Join("by-google.bin"));
  EXPECT_EQ(Read(dir_.Join("by-google.bin")), Read(mine));
  EXPECT_EQ(seen["metadata"]["sha256"], Sha256Hex(Read(mine)));

  std::string theirs = dir_.Join("theirs.csv");
  std::ofstream(theirs, std::ios::binary) << "VendorID,fare\n2,7.5\n";
  google("put", "theirs.csv", theirs);
  ASSERT_TRUE(store.Get("theirs.csv", dir_.Join("by-weir.csv")).has_value());
  EXPECT_EQ(Read(dir_.Join("by-weir.csv")), Read(theirs));
}

// Connections: Airflow's extra fields, the emulator variable, and what is said when no key
// is found anywhere.
TEST(GcsLocationOf, ReadsAGoogleConnection) {
  Connection c;
  c.conn_id = "gcp";
  c.conn_type = "google_cloud_platform";
  c.extra = {{"key_path", WEIR_SOURCE_DIR "/tests/fixtures/gcs/service_account.json"},
             {"endpoint_url", "http://127.0.0.1:1/"},
             {"token_uri", "http://127.0.0.1:1/token"}};
  GcsLocation loc = GcsLocationOf("gs://bucket/raw/taxi", c).value();
  EXPECT_EQ(loc.bucket, "bucket");
  EXPECT_EQ(loc.prefix, "raw/taxi/");
  EXPECT_EQ(loc.endpoint, "http://127.0.0.1:1");
  ASSERT_TRUE(loc.tokens);
  EXPECT_EQ(loc.tokens->credentials().client_email, "weir-test@weir-test.iam.gserviceaccount.com");
  EXPECT_EQ(loc.tokens->credentials().token_uri, "http://127.0.0.1:1/token");
  EXPECT_EQ(GcsObjectStore(loc).uri(), "gs://bucket/raw/taxi");

  // Airflow's older prefixed field, with the key inline.
  Connection inline_key;
  inline_key.conn_id = "gcp2";
  inline_key.extra = {
      {"extra__google_cloud_platform__keyfile_dict",
       ReadFile(WEIR_SOURCE_DIR "/tests/fixtures/gcs/service_account.json").value()}};
  GcsLocation at_google = GcsLocationOf("gs://b", inline_key).value();
  EXPECT_EQ(at_google.endpoint, "https://storage.googleapis.com");
  ASSERT_TRUE(at_google.tokens);

  // An emulator without credentials gets none.
  setenv("STORAGE_EMULATOR_HOST", "127.0.0.1:9199", 1);
  unsetenv("GOOGLE_APPLICATION_CREDENTIALS");
  Connection none;
  none.conn_id = "google_cloud_default";
  GcsLocation emulator = GcsLocationOf("gs://b", none).value();
  EXPECT_EQ(emulator.endpoint, "http://127.0.0.1:9199");
  EXPECT_FALSE(emulator.tokens);
  unsetenv("STORAGE_EMULATOR_HOST");

  // Google itself without a key: said, with each way to give one.
  std::string home = std::getenv("HOME") == nullptr ? "" : std::getenv("HOME");
  setenv("HOME", "/nonexistent", 1);
  auto missing = GcsLocationOf("gs://b/p", none);
  if (home.empty()) {
    unsetenv("HOME");
  } else {
    setenv("HOME", home.c_str(), 1);
  }
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(missing.error().message.find("GOOGLE_APPLICATION_CREDENTIALS"), std::string::npos);
  EXPECT_NE(missing.error().message.find("google_cloud_default"), std::string::npos);

  // A broken inline key is refused without quoting it.
  Connection broken;
  broken.conn_id = "bad";
  broken.extra = {{"keyfile_dict", "{\"type\": \"service_account\", \"private_key\": \"Kz4"}};
  auto bad = GcsLocationOf("gs://b", broken);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message.find("Kz4"), std::string::npos) << bad.error().message;
  Connection aws;
  aws.conn_id = "a";
  aws.conn_type = "aws";
  EXPECT_FALSE(GcsLocationOf("gs://b", aws).has_value());
  EXPECT_FALSE(GcsLocationOf("gs:///x", c).has_value());
}

}  // namespace
}  // namespace weir
