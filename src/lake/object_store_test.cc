// The one ObjectStore suite: every test written against ObjectStore& runs on each kind of
// lake (TEST_P: file://, s3:// on s3rver, which verifies SigV4 signatures, and gs:// on the
// suite's GCS fake, which holds the client to Google's OAuth and upload rules, and on
// firebase-tools' Storage emulator, Google's own implementation of the API; and az:// on
// azurite, Microsoft's emulator, which verifies Shared Key signatures); the file
// lake's own rules (temporaries, links, modes) are FileLakeTest's. Built a second time as
// lake_radosgw_test (WEIR_RADOSGW_STATE defined), the suite runs on Ceph's radosgw, which
// also checks payload hashes and keeps multipart uploads as AWS does; a ctest fixture
// (tests/fixtures/radosgw.py --start) runs one cluster for the whole test run.
#include "lake/object_store.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "base/hash.h"
#include "base/url.h"
#include "env/process_table.h"
#include "env/temp_dir.h"
#include "lake/azure/azure_test_peers.h"
#include "lake/file/file_store.h"
#include "lake/gcs/gcs_test_peers.h"
#include "lake/s3/s3_store.h"
#include "lake/stream_copy.h"
#include "net/test_http_server.h"

namespace weir {
namespace {

namespace fs = std::filesystem;

// One s3rver for the whole test binary; each test gets its own prefix in its bucket.
TestS3Server& S3Server() {
  static TestS3Server server;
  return server;
}

// The port of the radosgw the ctest fixture started, or 0.
int RadosgwPort() {
#ifdef WEIR_RADOSGW_STATE
  std::ifstream in(WEIR_RADOSGW_STATE "/port");
  int port = 0;
  in >> port;
  return port;
#else
  return 0;
#endif
}

// Where an S3 kind of lake is: "s3" (s3rver), "radosgw", or "radosgw_vhost": radosgw in
// virtual-host style, as AWS itself is reached (lake.localhost:port/key, signed over that
// Host; radosgw's rgw_dns_name is localhost, and libcurl resolves *.localhost to the loopback
// itself, asking no DNS). Files above 6 MiB go up in parts of 5 MiB (S3's smallest), and
// objects above 6 MiB are copied in parts: the tests' files stay small.
S3Location S3At(const std::string& kind, const std::string& prefix) {
  S3Location loc;
  loc.bucket = "lake";
  loc.prefix = prefix;
  loc.path_style = kind != "radosgw_vhost";
  if (kind.starts_with("radosgw")) {
    loc.endpoint =
        fmt::format("http://{}:{}", loc.path_style ? "127.0.0.1" : "localhost", RadosgwPort());
    loc.credentials = {"WEIRKEY", "WEIRSECRET", ""};
  } else {
    loc.endpoint = S3Server().Endpoint();
    loc.credentials = {"S3RVER", "S3RVER", ""};
  }
  loc.multipart_threshold = 6 << 20;
  loc.part_size = 5 << 20;
  loc.multipart_copy_threshold = 6 << 20;
  loc.copy_part_size = 5 << 20;
  return loc;
}

std::string UniquePrefix(const std::string& what) {
  static int n = 0;
  return fmt::format("{}-{}-{}/", what, getpid(), ++n);
}

class StoreFixture {
 protected:
  void Open(const std::string& kind) {
    ASSERT_FALSE(dir_.path().empty());
    kind_ = kind;
    if (kind == "file") {
      store_ = OpenObjectStore("file://" + dir_.Join("lake")).value();
      return;
    }
    if (kind == "azure") {
      ASSERT_NE(Azurite().port(), 0) << "azurite did not start (scripts/setup installs it)";
      store_ = std::make_unique<AzureObjectStore>(AzureAt(UniquePrefix("t")));
      return;
    }
    if (kind == "gcs" || kind == "gcs_emulator") {
      ASSERT_NE(kind == "gcs" ? GcsFake().port() : GcsEmulator().port(), 0)
          << kind << " did not start (scripts/setup installs it)";
      store_ = std::make_unique<GcsObjectStore>(GcsAt(kind, UniquePrefix("t")));
      return;
    }
    if (kind.starts_with("radosgw")) {
      ASSERT_NE(RadosgwPort(), 0) << "no radosgw (the ctest fixture radosgw_start runs one)";
    } else {
      ASSERT_NE(S3Server().port(), 0) << "s3rver did not start (scripts/setup installs it)";
    }
    store_ = std::make_unique<S3ObjectStore>(S3At(kind, UniquePrefix("t")));
  }

  // Another store of the same kind and server, at another prefix (another folder).
  std::unique_ptr<ObjectStore> Another() {
    std::string prefix = UniquePrefix("other");
    if (kind_ == "file") return OpenObjectStore("file://" + dir_.Join("other")).value();
    if (kind_ == "azure") return std::make_unique<AzureObjectStore>(AzureAt(prefix));
    if (kind_.starts_with("gcs")) return std::make_unique<GcsObjectStore>(GcsAt(kind_, prefix));
    return std::make_unique<S3ObjectStore>(S3At(kind_, prefix));
  }

  std::string Local(const std::string& name, const std::string& content) {
    std::string path = dir_.Join(name);
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }

  std::string Read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }

  std::vector<std::string> Keys(const std::string& prefix = "") {
    std::vector<std::string> keys;
    auto listed = store_->List(prefix);
    EXPECT_TRUE(listed.has_value()) << listed.error().message;
    for (const auto& o : listed.value_or(std::vector<ObjectInfo>{})) keys.push_back(o.key);
    return keys;
  }

  // Every file under the file lake's folder, temporary ones included.
  std::vector<std::string> FilesOnDisk() {
    std::vector<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(dir_.Join("lake"))) {
      if (e.is_regular_file()) out.push_back(e.path().filename().string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  // Bytes that differ from one offset to the next, so a part out of place shows.
  std::string Pattern(size_t size) {
    std::string content(size, '\0');
    for (size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>(i * 131 % 251);
    return content;
  }

  // firebase-tools' emulator answers 501 to a rewrite under /storage/v1 (Google's path): the
  // suite's GCS fake tests copies.
  bool NoCopies() const { return kind_ == "gcs_emulator"; }

  TempDir dir_;
  std::string kind_;
  std::unique_ptr<ObjectStore> store_;
};

class ObjectStoreTest : public StoreFixture, public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { Open(GetParam()); }
};

class FileLakeTest : public StoreFixture, public ::testing::Test {
 protected:
  void SetUp() override { Open("file"); }
};

TEST_P(ObjectStoreTest, PutThenGetRoundTripsWithTheChecksum) {
  std::string content = "VendorID,fare\n1,2.5\n";
  ObjectInfo info =
      store_->Put("raw/yellow/year=2021/month=01/data.csv", Local("src.csv", content)).value();
  EXPECT_EQ(info.size, static_cast<int64_t>(content.size()));
  EXPECT_EQ(info.sha256, Sha256Hex(content));
  auto head = store_->Head("raw/yellow/year=2021/month=01/data.csv").value();
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->size, info.size);
  ASSERT_TRUE(
      store_->Get("raw/yellow/year=2021/month=01/data.csv", dir_.Join("back.csv")).has_value());
  EXPECT_EQ(Read(dir_.Join("back.csv")), content);
  // The cloud stores give the content's MD5 in listings and heads (what a transfer compares);
  // the file lake gives none.
  Md5 md5;
  md5.Update(content);
  std::string want = kind_ == "file" ? "" : HexOf(md5.Digest());
  auto listed = store_->List("raw/yellow/").value();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].md5, want) << kind_;
  EXPECT_EQ(head->md5, want) << kind_;
}

TEST_P(ObjectStoreTest, LargeFilesStreamInPiecesAndHashTheSame) {
  std::string content(5 * 1024 * 1024 + 123, '\0');
  for (size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>(i * 131 % 251);
  ObjectInfo info = store_->Put("big.bin", Local("big.bin", content)).value();
  EXPECT_EQ(info.sha256, Sha256Hex(content));
  EXPECT_EQ(info.size, static_cast<int64_t>(content.size()));
}

// Above the threshold an S3 lake sends parts, several at once; the object is the same.
TEST_P(ObjectStoreTest, AFileAboveTheThresholdGoesUpInPartsAndReadsBackWhole) {
  std::string content = Pattern((12 << 20) + 7);  // three parts of 5, 5 and 2 MiB
  ObjectInfo info = store_->Put("big/parts.bin", Local("parts.bin", content)).value();
  EXPECT_EQ(info.size, static_cast<int64_t>(content.size()));
  EXPECT_EQ(info.sha256, Sha256Hex(content));
  if (kind_.starts_with("radosgw")) {
    EXPECT_TRUE(info.etag.ends_with("-3")) << info.etag;  // S3's ETag of a 3-part upload
  }
  ASSERT_TRUE(store_->Get("big/parts.bin", dir_.Join("back.bin")).has_value());
  EXPECT_EQ(Sha256Hex(Read(dir_.Join("back.bin"))), Sha256Hex(content));
  auto head = store_->Head("big/parts.bin").value();
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->sha256.empty() ? info.sha256 : head->sha256, Sha256Hex(content));
}

// Above the copy threshold an S3 lake copies in parts (UploadPartCopy), on the server.
TEST_P(ObjectStoreTest, ALargeObjectIsCopiedWhole) {
  if (NoCopies()) GTEST_SKIP() << "the GCS emulator has no rewrite at Google's path";
  std::string content = Pattern((11 << 20) + 3);
  ASSERT_TRUE(store_->Put("big/a.bin", Local("a.bin", content)).has_value());
  ObjectInfo copy = store_->Copy("big/a.bin", "big/b.bin").value();
  EXPECT_EQ(copy.size, static_cast<int64_t>(content.size()));
  ASSERT_TRUE(store_->Get("big/b.bin", dir_.Join("b.bin")).has_value());
  EXPECT_EQ(Sha256Hex(Read(dir_.Join("b.bin"))), Sha256Hex(content));
  EXPECT_EQ(Keys("big/"), (std::vector<std::string>{"big/a.bin", "big/b.bin"}));
}

TEST_P(ObjectStoreTest, AChecksumMismatchPublishesNothingAndKeepsThePreviousObject) {
  ASSERT_TRUE(store_->Put("a/data.csv", Local("v1.csv", "version 1")).has_value());
  PutOptions wrong;
  wrong.expected_sha256 = Sha256Hex("something else");
  auto r = store_->Put("a/data.csv", Local("v2.csv", "version 2"), wrong);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("nothing was published"), std::string::npos);
  ASSERT_TRUE(store_->Get("a/data.csv", dir_.Join("out.csv")).has_value());
  EXPECT_EQ(Read(dir_.Join("out.csv")), "version 1");
  EXPECT_EQ(Keys(), std::vector<std::string>{"a/data.csv"});
  if (kind_ == "file") {
    EXPECT_EQ(FilesOnDisk(), std::vector<std::string>{"data.csv"});  // no temporary left
  }
}

TEST_P(ObjectStoreTest, AMissingSourceFailsAndLeavesNothing) {
  auto r = store_->Put("a/data.csv", dir_.Join("no-such-file.csv"));
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("no-such-file.csv"), std::string::npos);
  EXPECT_FALSE(store_->Head("a/data.csv").value().has_value());
  EXPECT_TRUE(Keys().empty());
  if (kind_ == "file") {
    EXPECT_TRUE(FilesOnDisk().empty());
    EXPECT_FALSE(fs::exists(dir_.Join("lake/a")));  // not even an empty folder
  }
}

#ifndef WEIR_RADOSGW_STATE
TEST_F(FileLakeTest, AKilledPutsTemporaryFileIsNeverListed) {
  fs::create_directories(dir_.Join("lake/a"));
  std::ofstream(dir_.Join("lake/a/.weir-tmp-0123456789abcdef")) << "half of an upl";
  ASSERT_TRUE(store_->Put("a/b.csv", Local("b.csv", "b")).has_value());
  auto listed = store_->List("").value();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].key, "a/b.csv");
}

TEST_F(FileLakeTest, TheNextPutRemovesTheTemporaryOfAKilledPutButNotOfALiveOne) {
  fs::create_directories(dir_.Join("lake/a"));
  // A writer that no longer runs (pid 999999 with a start time no process has), an older
  // weir's temporary not written for two hours, and one of this live process.
  std::string dead = ".weir-tmp-999999-1-00000000000000aa";
  std::string old = ".weir-tmp-00000000000000bb";
  int64_t start = ReadProcessEntry(getpid())->start_ticks;
  std::string live = fmt::format(".weir-tmp-{}-{}-00000000000000cc", getpid(), start);
  for (const auto& name : {dead, old, live}) std::ofstream(dir_.Join("lake/a/" + name)) << "half";
  fs::last_write_time(dir_.Join("lake/a/" + old),
                      fs::file_time_type::clock::now() - std::chrono::hours(2));
  fs::create_directories(dir_.Join("lake/other"));
  std::ofstream(dir_.Join("lake/other/" + dead)) << "half";

  ASSERT_TRUE(store_->Put("a/b.csv", Local("b.csv", "b")).has_value());
  std::vector<std::string> expected{live, dead, "b.csv"};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(FilesOnDisk(), expected)
      << "the put cleans its own folder only, and keeps a live writer's temporary";

  // `weir lake fsck` sweeps the whole lake: dry run first.
  std::vector<std::string> found = RemoveStaleTemporaries(dir_.Join("lake"), true, true);
  EXPECT_EQ(found, std::vector<std::string>{dir_.Join("lake/other/" + dead)});
  EXPECT_EQ(FilesOnDisk().size(), 3u);
  EXPECT_EQ(RemoveStaleTemporaries(dir_.Join("lake"), true), found);
  EXPECT_EQ(FilesOnDisk(), (std::vector<std::string>{live, "b.csv"}));
}
#endif

TEST_P(ObjectStoreTest, ListIsRecursiveSortedAndFilteredByPrefix) {
  for (const char* key : {"raw/y/2021/02.csv", "raw/y/2021/01.csv", "raw/g/01.csv", "other"}) {
    ASSERT_TRUE(store_->Put(key, Local("x", key)).has_value());
  }
  EXPECT_EQ(Keys("raw/y/"), (std::vector<std::string>{"raw/y/2021/01.csv", "raw/y/2021/02.csv"}));
  EXPECT_EQ(store_->List("").value().size(), 4u);
}

TEST_P(ObjectStoreTest, CopyAndDelete) {
  if (NoCopies()) GTEST_SKIP() << "the GCS emulator has no rewrite at Google's path";
  ASSERT_TRUE(store_->Put("a.csv", Local("a", "alpha")).has_value());
  ObjectInfo copy = store_->Copy("a.csv", "backup/a.csv").value();
  EXPECT_EQ(copy.sha256, Sha256Hex("alpha"));
  ASSERT_TRUE(store_->Delete("a.csv").has_value());
  EXPECT_FALSE(store_->Head("a.csv").value().has_value());
  EXPECT_TRUE(store_->Delete("a.csv").has_value());  // deleting what is gone is fine
  EXPECT_EQ(store_->Copy("a.csv", "b.csv").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->Get("a.csv", dir_.Join("x")).error().code, ErrorCode::kNotFound);
}

// CopyFrom copies inside the service from another store of it (another bucket or prefix, the
// same server and keys), large objects in parts, checksums kept; a file lake and a store with
// other keys say they cannot, so that a transfer streams instead.
TEST_P(ObjectStoreTest, CopyFromAnotherStoreOfTheServiceStaysOnTheServer) {
  if (NoCopies()) GTEST_SKIP() << "the GCS emulator has no rewrite at Google's path";
  std::unique_ptr<ObjectStore> other = Another();
  std::string big = Pattern((11 << 20) + 5);
  // s3rver reads x-amz-copy-source with decodeURI, which leaves %2B ('+') encoded.
  const std::string name = kind_ == "s3" ? "small file%.csv" : "small file+%.csv";
  ASSERT_TRUE(other->Put("in/" + name, Local("s", "small")).has_value());
  ASSERT_TRUE(other->Put("in/big.bin", Local("b", big)).has_value());
  auto listed = other->List("in/").value();
  ASSERT_EQ(listed.size(), 2U);
  const ObjectInfo& big_listed = listed[0];  // in/big.bin
  auto small = store_->CopyFrom(*other, listed[1], "out/" + name);
  ASSERT_TRUE(small.has_value()) << small.error().message;
  if (kind_ == "file") {
    EXPECT_FALSE(small->has_value());  // the transfer streams it
    return;
  }
  ASSERT_TRUE(small->has_value());
  EXPECT_EQ((*small)->sha256.empty() ? Sha256Hex("small") : (*small)->sha256, Sha256Hex("small"));
  auto large = store_->CopyFrom(*other, big_listed, "out/big.bin");
  ASSERT_TRUE(large.has_value()) << large.error().message;
  ASSERT_TRUE(large->has_value());
  EXPECT_EQ((*large)->size, static_cast<int64_t>(big.size()));
  ASSERT_TRUE(store_->Get("out/big.bin", dir_.Join("big.out")).has_value());
  EXPECT_EQ(Sha256Hex(Read(dir_.Join("big.out"))), Sha256Hex(big));
  auto head = store_->Head("out/big.bin").value();
  ASSERT_TRUE(head.has_value());
  if (kind_.starts_with("radosgw") || kind_ == "s3") {
    // Copied in parts: the ETag is no MD5, the metadata keeps the put's MD5.
    Md5 md5;
    md5.Update(big);
    EXPECT_EQ(head->md5, HexOf(md5.Digest()));
    S3Location elsewhere = S3At(kind_, "x/");
    elsewhere.credentials = {"OTHERKEY", "OTHERSECRET", ""};
    S3ObjectStore stranger(elsewhere);
    EXPECT_FALSE(stranger.CopyFrom(*other, big_listed, "z").value().has_value());
  }
  ObjectInfo gone = listed[1];
  gone.key = "in/gone";
  EXPECT_EQ(store_->CopyFrom(*other, gone, "out/gone").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(Keys("out/"), (std::vector<std::string>{"out/big.bin", "out/" + name}));
}

// A source whose answer is scripted: its head, its bytes, then how its read ends.
class ScriptedSource : public ObjectStore {
 public:
  ObjectInfo head;
  std::string bytes;
  Status end;  // what Read returns after the bytes (its check of them)

  std::string uri() const override { return "s3://scripted"; }
  bool CanRead() const override { return true; }
  Status Read(const std::string& key, const ObjectSink& sink) override {
    ObjectInfo now = head;
    now.key = key;
    TRY(sink.head(now));
    for (size_t at = 0; at < bytes.size(); at += 1000) {
      TRY(sink.body(std::string_view(bytes).substr(at, 1000)));
    }
    return end;
  }
  Result<ObjectInfo> Put(const std::string&, const std::string&, const PutOptions&) override {
    return Err(ErrorCode::kInternal, "not here");
  }
  Status Get(const std::string&, const std::string&) override {
    return Err(ErrorCode::kInternal, "not here");
  }
  Result<std::optional<ObjectInfo>> Head(const std::string&) override { return std::nullopt; }
  Result<std::vector<ObjectInfo>> List(const std::string&) override {
    return std::vector<ObjectInfo>{};
  }
  Status Delete(const std::string&) override { return {}; }
  Result<ObjectInfo> Copy(const std::string&, const std::string&) override {
    return Err(ErrorCode::kInternal, "not here");
  }
};

std::string Md5Hex(std::string_view data) {
  Md5 md5;
  md5.Update(data);
  return HexOf(md5.Digest());
}

ObjectInfo Listed(const std::string& key, size_t size) {
  ObjectInfo info;
  info.key = key;
  info.size = static_cast<int64_t>(size);
  return info;
}

// Between two services a copy streams through memory: what arrives is the object, with its
// checksums, in one PUT or (above stream_put_threshold, or with no MD5 known) in parts.
TEST_P(ObjectStoreTest, AnObjectStreamsFromOneStoreToAnotherThroughMemory) {
  std::unique_ptr<ObjectStore> other = Another();
  if (!other->CanRead() || !store_->CanPutStream()) {
    EXPECT_FALSE(StreamCopy(*other, Listed("in/x", 1), *store_, "out/x").value().has_value());
    return;
  }
  const std::string name = "small file+%é.csv";
  std::string big = Pattern((12 << 20) + 9);
  ASSERT_TRUE(other->Put("in/" + name, Local("s", "small")).has_value());
  ASSERT_TRUE(other->Put("in/big.bin", Local("b", big)).has_value());
  ASSERT_TRUE(other->Put("in/empty", Local("e", "")).has_value());
  S3Location in_parts = S3At(kind_, UniquePrefix("parts"));
  in_parts.stream_put_threshold = 6 << 20;
  S3ObjectStore parts_sink(in_parts);
  struct Case {
    std::string key;
    std::string content;
    ObjectStore* sink;
    std::string etag_end;  // a multipart ETag's "-N", or "" for one PUT
  };
  for (const Case& c :
       {Case{"in/" + name, "small", store_.get(), ""}, Case{"in/big.bin", big, store_.get(), ""},
        Case{"in/big.bin", big, &parts_sink, "-3"}, Case{"in/empty", "", store_.get(), ""}}) {
    SCOPED_TRACE(c.key + " to " + c.sink->uri());
    ObjectInfo listed = other->Head(c.key).value().value();
    auto copied = StreamCopy(*other, listed, *c.sink, "out/" + c.key);
    ASSERT_TRUE(copied.has_value()) << copied.error().message;
    ASSERT_TRUE(copied->has_value());
    EXPECT_EQ((*copied)->size, static_cast<int64_t>(c.content.size()));
    EXPECT_EQ((*copied)->sha256, Sha256Hex(c.content));  // the source's, kept
    EXPECT_EQ((*copied)->md5, Md5Hex(c.content));
    if (!c.etag_end.empty() && kind_.starts_with("radosgw")) {  // s3rver's ETags are MD5s
      EXPECT_TRUE((*copied)->etag.ends_with(c.etag_end)) << (*copied)->etag;
    }
    ASSERT_TRUE(c.sink->Get("out/" + c.key, dir_.Join("back")).has_value());
    EXPECT_EQ(Sha256Hex(Read(dir_.Join("back"))), Sha256Hex(c.content));
  }
  auto missing = StreamCopy(*other, Listed("in/gone", 5), *store_, "out/gone");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(store_->Head("out/gone").value().has_value());
}

// A read that fails, even at its very end (its check of the bytes), publishes nothing; so
// does a sink that refuses the bytes, and the read stops rather than waiting on it. Small
// objects are read whole first, larger ones stream; both into one PUT and into parts.
TEST_P(ObjectStoreTest, AStreamThatFailsAnywherePublishesNothing) {
  if (!store_->CanPutStream()) GTEST_SKIP() << kind_ << " takes no stream";
  S3Location in_parts_loc = S3At(kind_, UniquePrefix("parts"));
  in_parts_loc.stream_put_threshold = 6 << 20;
  S3ObjectStore in_parts(in_parts_loc);
  for (const std::string& content : {Pattern(300'000), Pattern((11 << 20) + 3)}) {
    for (ObjectStore* sink : {store_.get(), static_cast<ObjectStore*>(&in_parts)}) {
      SCOPED_TRACE(fmt::format("{} bytes {}", content.size(),
                               sink == &in_parts ? "in parts" : "in one PUT"));
      const ObjectInfo from = Listed("in/x", content.size());
      ScriptedSource source;
      source.head.size = static_cast<int64_t>(content.size());
      source.head.md5 = Md5Hex(content);
      source.bytes = content;
      source.end = Err(ErrorCode::kIo, "in/x arrived with sha256 0000, not the object's 1111");
      auto at_end = StreamCopy(source, from, *sink, "out/x");
      ASSERT_FALSE(at_end.has_value());
      EXPECT_NE(at_end.error().message.find("arrived with sha256"), std::string::npos)
          << at_end.error().message;

      source.end = {};
      source.bytes = content.substr(0, 123'456);  // cut short
      auto short_read = StreamCopy(source, from, *sink, "out/x");
      ASSERT_FALSE(short_read.has_value());
      EXPECT_TRUE(short_read.error().message.find("before its end") != std::string::npos ||
                  short_read.error().message.find("bytes early") != std::string::npos)
          << short_read.error().message;

      source.bytes = content + "more";  // longer than it said
      auto long_read = StreamCopy(source, from, *sink, "out/x");
      ASSERT_FALSE(long_read.has_value());
      EXPECT_NE(long_read.error().message.find("longer than"), std::string::npos)
          << long_read.error().message;

      source.bytes = content;
      source.head.md5 = Md5Hex("other bytes");  // not the MD5 of the bytes
      auto refused = StreamCopy(source, from, *sink, "out/x");
      ASSERT_FALSE(refused.has_value());
      // S3 and radosgw refuse a body whose MD5 is not its Content-MD5 (400 BadDigest); s3rver
      // takes it, and the check after the PUT removes it.
      const std::string& why = refused.error().message;
      EXPECT_TRUE(why.find("HTTP 400") != std::string::npos ||
                  why.find("not the MD5") != std::string::npos ||
                  (kind_ == "s3" && why.find("the object was removed") != std::string::npos))
          << why;
      EXPECT_FALSE(sink->Head("out/x").value().has_value());
    }
  }
  EXPECT_TRUE(Keys().empty());
}

TEST_P(ObjectStoreTest, KeysThatEscapeTheLakeAreRejected) {
  std::string src = Local("s", "s");
  for (const char* key : {"../outside.csv", "/etc/passwd", "a//b", "a/./b", "", "a/../../b"}) {
    auto r = store_->Put(key, src);
    ASSERT_FALSE(r.has_value()) << key;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << key;
  }
  EXPECT_FALSE(fs::exists(dir_.Join("outside.csv")));
}

#ifndef WEIR_RADOSGW_STATE
// file:// only: a folder inside the lake that is a link to elsewhere.
TEST_F(FileLakeTest, ALinkInsideTheFileLakeCannotTakeAPutOutside) {
  fs::create_directories(dir_.Join("lake/raw"));
  fs::create_directories(dir_.Join("outside"));
  fs::create_directory_symlink(dir_.Join("outside"), dir_.Join("lake/raw/escape"));
  auto put = store_->Put("raw/escape/x.csv", Local("s", "s"));
  ASSERT_FALSE(put.has_value());
  EXPECT_EQ(put.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(put.error().message.find("symbolic link"), std::string::npos) << put.error().message;
  EXPECT_NE(put.error().message.find(dir_.Join("outside")), std::string::npos);
  EXPECT_TRUE(fs::is_empty(dir_.Join("outside")));
  EXPECT_FALSE(store_->Put("raw/escape/deeper/x.csv", Local("s", "s")).has_value());
  EXPECT_FALSE(fs::exists(dir_.Join("outside/deeper")));
  // Nor can a linked object be read or copied from outside.
  std::ofstream(dir_.Join("outside/secret")) << "secret";
  fs::create_symlink(dir_.Join("outside/secret"), dir_.Join("lake/raw/secret.csv"));
  EXPECT_FALSE(store_->Get("raw/secret.csv", dir_.Join("got")).has_value());
  EXPECT_FALSE(store_->Copy("raw/secret.csv", "raw/copy.csv").has_value());
  // Links that stay inside the lake are fine.
  fs::create_directory_symlink(dir_.Join("lake/raw"), dir_.Join("lake/alias"));
  EXPECT_TRUE(store_->Put("alias/ok.csv", Local("s", "s")).has_value());
}

// Whatever the umask: lake files hold data that may be private.
TEST_F(FileLakeTest, FileLakeObjectsAreOwnerOnly) {
  mode_t old = umask(0);
  auto put = store_->Put("a/b.csv", Local("s", "s"));
  umask(old);
  ASSERT_TRUE(put.has_value()) << put.error().message;
  for (const char* path : {"lake/a/b.csv", "lake/a"}) {
    auto perms = fs::status(dir_.Join(path)).permissions();
    EXPECT_EQ(perms & (fs::perms::group_all | fs::perms::others_all), fs::perms::none) << path;
  }
}
#endif

// A connection cut in the middle of a part, a chunk or a block (a proxy that resets the first
// connection to send more than 2 MiB) is retried: the object arrives whole, and no upload is
// left behind (radosgw: no multipart upload open; GCS: no resumable session).
class CutConnectionTest : public StoreFixture, public ::testing::TestWithParam<std::string> {};

TEST_P(CutConnectionTest, ACutMidUploadIsRetriedAndLeavesNothingPartial) {
  ASSERT_FALSE(dir_.path().empty());
  std::string kind = GetParam();
  std::string log = dir_.Join("cuts.log");
  auto proxy_to = [&](int port) {
    return std::make_unique<TestServerProcess>(std::vector<std::string>{
        "/usr/bin/python3", std::string(WEIR_SOURCE_DIR) + "/tests/fixtures/cut_proxy.py",
        "--target", "127.0.0.1:" + std::to_string(port), "--cut-after", std::to_string(2 << 20),
        "--log", log});
  };
  std::unique_ptr<TestServerProcess> proxy;
  std::string prefix = UniquePrefix("cut");
  if (kind == "s3" || kind == "radosgw") {
    int port = kind == "s3" ? S3Server().port() : RadosgwPort();
    ASSERT_NE(port, 0);
    proxy = proxy_to(port);
    S3Location loc = S3At(kind, prefix);
    loc.endpoint = "http://127.0.0.1:" + std::to_string(proxy->port());
    store_ = std::make_unique<S3ObjectStore>(loc);
  } else if (kind == "gcs") {
    ASSERT_NE(GcsFake().port(), 0);
    proxy = proxy_to(GcsFake().port());
    GcsLocation loc = GcsAt(kind, prefix);
    loc.endpoint = "http://127.0.0.1:" + std::to_string(proxy->port());
    store_ = std::make_unique<GcsObjectStore>(loc);
  } else {
    ASSERT_NE(Azurite().port(), 0);
    proxy = proxy_to(Azurite().port());
    AzureLocation loc = AzureAt(prefix);
    loc.endpoint = "http://127.0.0.1:" + std::to_string(proxy->port()) + "/devstoreaccount1";
    store_ = std::make_unique<AzureObjectStore>(loc);
  }
  ASSERT_NE(proxy->port(), 0) << "cut_proxy.py did not start";
  std::string content = Pattern((12 << 20) + 9);  // parts, chunks or blocks of 5 MiB
  auto put = store_->Put("raw/cut.bin", Local("cut.bin", content));
  ASSERT_TRUE(put.has_value()) << put.error().message;
  EXPECT_EQ(Read(log), "cut after 2097152 bytes\n");  // one connection was cut
  ASSERT_TRUE(store_->Get("raw/cut.bin", dir_.Join("back.bin")).has_value());
  EXPECT_EQ(Sha256Hex(Read(dir_.Join("back.bin"))), Sha256Hex(content));
  if (kind == "radosgw") {  // s3rver does not list multipart uploads
    auto uploads = static_cast<S3ObjectStore&>(*store_).ListUploads("");
    ASSERT_TRUE(uploads.has_value()) << uploads.error().message;
    EXPECT_TRUE(uploads->empty());
  } else if (kind == "gcs") {
    EXPECT_TRUE(GcsFake().Uploads().empty()) << GcsFake().Uploads().dump();
  }
  EXPECT_EQ(Keys(), (std::vector<std::string>{"raw/cut.bin"}));
  if (kind != "s3" && kind != "radosgw") return;

  // A streamed copy cut mid-PUT (as a kill -9 of weir cuts it) is started again whole, from a
  // new read of the source, and what the sink ends with is the object.
  std::filesystem::remove(log);  // the new proxy's cut is logged there afresh
  auto sink_proxy = proxy_to(kind == "s3" ? S3Server().port() : RadosgwPort());
  ASSERT_NE(sink_proxy->port(), 0) << "cut_proxy.py did not start";
  S3Location through = S3At(kind, UniquePrefix("cut"));
  through.endpoint = "http://127.0.0.1:" + std::to_string(sink_proxy->port());
  S3ObjectStore sink(through);
  S3ObjectStore source(S3At(kind, prefix));
  ObjectInfo listed = source.Head("raw/cut.bin").value().value();
  auto copied = StreamCopy(source, listed, sink, "raw/streamed.bin");
  ASSERT_TRUE(copied.has_value()) << copied.error().message;
  ASSERT_TRUE(copied->has_value());
  EXPECT_EQ(Read(log), "cut after 2097152 bytes\n");
  ASSERT_TRUE(sink.Get("raw/streamed.bin", dir_.Join("streamed.bin")).has_value());
  EXPECT_EQ(Sha256Hex(Read(dir_.Join("streamed.bin"))), Sha256Hex(content));
}

#ifdef WEIR_RADOSGW_STATE
INSTANTIATE_TEST_SUITE_P(Lakes, ObjectStoreTest, ::testing::Values("radosgw", "radosgw_vhost"),
                         [](const auto& info) { return info.param; });
INSTANTIATE_TEST_SUITE_P(Clouds, CutConnectionTest, ::testing::Values("radosgw"),
                         [](const auto& info) { return info.param; });
#else
INSTANTIATE_TEST_SUITE_P(Lakes, ObjectStoreTest,
                         ::testing::Values("file", "s3", "gcs", "gcs_emulator", "azure"),
                         [](const auto& info) { return info.param; });
INSTANTIATE_TEST_SUITE_P(Clouds, CutConnectionTest, ::testing::Values("s3", "gcs", "azure"),
                         [](const auto& info) { return info.param; });
#endif

// What only an S3 lake does, on each S3 server of this binary.
class S3StoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    if (GetParam().starts_with("radosgw")) {
      ASSERT_NE(RadosgwPort(), 0) << "no radosgw (the ctest fixture radosgw_start runs one)";
    } else {
      ASSERT_NE(S3Server().port(), 0) << "s3rver did not start (scripts/setup installs it)";
    }
  }
  S3Location At(const std::string& what) { return S3At(GetParam(), UniquePrefix(what)); }
  std::string Local(const std::string& name, size_t size) {
    std::string path = dir_.Join(name);
    std::string content(size, '\0');
    for (size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>(i * 7 % 253);
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }
  TempDir dir_;
};

TEST_P(S3StoreTest, ListsPastOnePageAndRefusesWrongKeysWithoutShowingThem) {
  std::string src = Local("x", 1);
  S3Location paged = At("pages");
  paged.list_page_size = 3;  // S3's pages hold 1,000 keys; 3 make the same point faster
  S3ObjectStore store(paged);
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(store.Put(fmt::format("k/{:02}", i), src).has_value()) << i;
  }
  ASSERT_TRUE(store.Put("l/other", src).has_value());
  auto listed = store.List("k/");
  ASSERT_TRUE(listed.has_value()) << listed.error().message;
  ASSERT_EQ(listed->size(), 10u);
  EXPECT_EQ(listed->front().key, "k/00");
  EXPECT_EQ(listed->back().key, "k/09");

  S3Location wrong = At("w");
  wrong.credentials.secret_access_key = "Zx9-not-the-secret";
  S3ObjectStore bad(wrong);
  auto put = bad.Put("a.csv", src);
  ASSERT_FALSE(put.has_value());
  EXPECT_EQ(put.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(put.error().message.find("403"), std::string::npos) << put.error().message;
  EXPECT_NE(put.error().message.find("SignatureDoesNotMatch"), std::string::npos);
  EXPECT_EQ(put.error().message.find("Zx9"), std::string::npos);
}

#ifdef WEIR_RADOSGW_STATE
INSTANTIATE_TEST_SUITE_P(Servers, S3StoreTest, ::testing::Values("radosgw", "radosgw_vhost"),
                         [](const auto& info) { return info.param; });

// A multipart upload the server refuses at the end (parts below S3's 5 MiB least) is aborted:
// no object, and no upload or part left behind.
TEST_P(S3StoreTest, AFailedMultipartUploadIsAbortedAndLeavesNoParts) {
  S3Location small_parts = At("abort");
  small_parts.multipart_threshold = 1 << 20;
  small_parts.part_size = 1 << 20;
  S3ObjectStore store(small_parts);
  auto put = store.Put("raw/a.bin", Local("a.bin", (3 << 20) + 5));
  ASSERT_FALSE(put.has_value());
  EXPECT_NE(put.error().message.find("EntityTooSmall"), std::string::npos) << put.error().message;
  EXPECT_NE(put.error().message.find("aborted, nothing was published"), std::string::npos)
      << put.error().message;
  EXPECT_FALSE(store.Head("raw/a.bin").value().has_value());
  auto uploads = store.ListUploads("");
  ASSERT_TRUE(uploads.has_value()) << uploads.error().message;
  EXPECT_TRUE(uploads->empty()) << uploads->size() << " uploads left, first "
                                << uploads->front().upload_id;
}

// A process killed in the middle of an upload leaves it begun: ListUploads finds it and
// AbortUpload removes it with its parts.
TEST_P(S3StoreTest, AnUploadAKilledProcessLeftIsListedAndAborted) {
  S3Location loc = At("killed");
  S3ObjectStore store(loc);
  std::string src = Local("big.bin", (12 << 20) + 1);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // One part at a time, so that the kill comes while parts remain to send.
    S3Location slow = loc;
    slow.parallel_parts = 1;
    (void)S3ObjectStore(slow).Put("raw/big.bin", src);
    _exit(0);
  }
  std::vector<S3Upload> uploads;
  for (int i = 0; i < 400 && uploads.empty(); ++i) {
    uploads = store.ListUploads("raw/").value_or(std::vector<S3Upload>{});
    if (uploads.empty()) usleep(10'000);
  }
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  ASSERT_EQ(uploads.size(), 1u) << "the upload was not seen begun";
  EXPECT_EQ(uploads[0].key, "raw/big.bin");
  if (store.Head("raw/big.bin").value().has_value()) GTEST_SKIP() << "the upload finished first";
  ASSERT_TRUE(store.AbortUpload(uploads[0]).has_value());
  EXPECT_TRUE(store.ListUploads("raw/").value().empty());
  EXPECT_FALSE(store.Head("raw/big.bin").value().has_value());
}
#else
INSTANTIATE_TEST_SUITE_P(Servers, S3StoreTest, ::testing::Values("s3"),
                         [](const auto& info) { return info.param; });
#endif

#ifndef WEIR_RADOSGW_STATE
// An s3:// lake through the connection LakeAccess names; a connection id that names none
// means AWS's own chain, and with no keys there either the error says where keys come from.
TEST(OpenObjectStore, AnS3LakeIsReachedThroughItsConnection) {
  ASSERT_NE(S3Server().port(), 0);
  TempDir dir;
  std::string src = dir.Join("a.csv");
  std::ofstream(src) << "a,b\n1,2\n";
  std::vector<std::string> asked;
  ConnectionFinder find = [&](const std::string& id) -> Result<Connection> {
    asked.push_back(id);
    if (id != "minio") return Err(ErrorCode::kNotFound, "no connection '{}'", id);
    return ParseConnectionUri(
        "aws://S3RVER:S3RVER@?endpoint_url=" + PercentEncode(S3Server().Endpoint()), id);
  };
  std::string uri = "s3://lake/" + UniquePrefix("open");
  auto store = OpenObjectStore(uri, {"minio", find});
  ASSERT_TRUE(store.has_value()) << store.error().message;
  ASSERT_TRUE((*store)->Put("x/a.csv", src).has_value());
  EXPECT_EQ((*store)->Head("x/a.csv").value()->size, 8);
  EXPECT_EQ(asked, std::vector<std::string>{"minio"});

  // No such connection: the environment, which has no keys here.
  for (const char* v : {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"}) unsetenv(v);
  setenv("AWS_SHARED_CREDENTIALS_FILE", dir.Join("none").c_str(), 1);
  setenv("AWS_CONFIG_FILE", dir.Join("none").c_str(), 1);
  auto fallback = OpenObjectStore(uri, {"", find});
  ASSERT_FALSE(fallback.has_value());
  EXPECT_EQ(asked.back(), "aws_default");
  EXPECT_NE(fallback.error().message.find("no AWS keys"), std::string::npos)
      << fallback.error().message;
  // A store that cannot be read is not "no connection".
  ConnectionFinder broken = [](const std::string&) -> Result<Connection> {
    return Err(ErrorCode::kIo, "database is locked");
  };
  auto failed = OpenObjectStore(uri, {"minio", broken});
  ASSERT_FALSE(failed.has_value());
  EXPECT_NE(failed.error().message.find("database is locked"), std::string::npos);
}
#endif  // WEIR_RADOSGW_STATE

}  // namespace
}  // namespace weir
