// What only an Azure lake does, on azurite (Microsoft's emulator, which verifies Shared Key and
// SAS signatures and Content-MD5): blocks sent in parallel and committed by Put Block List,
// blocks never committed staying invisible, SAS tokens, refused keys, and Microsoft's own
// client reading what weir wrote and the reverse. The ObjectStore suite (object_store_test.cc)
// runs on it as well.
#include "lake/azure/azure_store.h"

#include <signal.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "base/hash.h"
#include "env/files.h"
#include "env/temp_dir.h"
#include "lake/azure/azure_test_peers.h"

namespace weir {
namespace {

class AzureStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    ASSERT_NE(Azurite().port(), 0) << "azurite did not start (scripts/setup installs it)";
    ASSERT_FALSE(TestAzurite::Key().empty());
  }

  std::string Prefix(const std::string& what) {
    static int n = 0;
    return fmt::format("{}-{}-{}/", what, getpid(), ++n);
  }

  std::string Local(const std::string& name, size_t size) {
    std::string path = dir_.Join(name);
    std::string content(size, '\0');
    for (size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>(i * 7 % 253);
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }

  std::string Read(const std::string& path) { return ReadFile(path).value_or(""); }

  // Microsoft's client: `command` and its arguments; its stdout.
  std::string Microsoft(const std::string& args) {
    std::string out = dir_.Join("client.out");
    std::string line =
        fmt::format("node {}/tests/js/azure_client.cjs {} {} {} > {}", WEIR_SOURCE_DIR,
                    Azurite().Endpoint(), TestAzurite::Key(), args, out);
    EXPECT_EQ(std::system(line.c_str()), 0) << args;
    std::string text = Read(out);
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return text;
  }

  TempDir dir_;
};

// A file above single_put_max goes up as blocks, several at once, and becomes one blob with
// the file's MD5 as its Content-MD5: Microsoft's client downloads it byte for byte, and weir
// reads what Microsoft's client uploaded.
TEST_F(AzureStoreTest, MicrosoftsOwnClientAndWeirReadEachOthersBlobs) {
  std::string prefix = Prefix("interop");
  AzureLocation loc = AzureAt(prefix);
  loc.single_put_max = 1 << 20;
  loc.block_size = 1 << 20;
  AzureObjectStore store(loc);
  std::string mine = Local("mine.bin", (3 << 20) + 5);  // four blocks
  auto put = store.Put("mine.bin", mine);
  ASSERT_TRUE(put.has_value()) << put.error().message;
  Json seen =
      ParseJson(
          Microsoft(fmt::format("get lake {}mine.bin {}", prefix, dir_.Join("by-microsoft.bin"))),
          "client")
          .value_or(Json());
  EXPECT_EQ(Read(dir_.Join("by-microsoft.bin")), Read(mine));
  EXPECT_EQ(seen["metadata"]["sha256"], Sha256Hex(Read(mine)));
  Md5 md5;
  md5.Update(Read(mine));
  EXPECT_EQ(seen["contentMD5"], Base64Encode(md5.Digest()));

  std::string theirs = dir_.Join("theirs.csv");
  std::ofstream(theirs, std::ios::binary) << "VendorID,fare\n2,7.5\n";
  Microsoft(fmt::format("put lake {}theirs.csv {}", prefix, theirs));
  ASSERT_TRUE(store.Get("theirs.csv", dir_.Join("by-weir.csv")).has_value());
  EXPECT_EQ(Read(dir_.Join("by-weir.csv")), Read(theirs));
}

// A process killed while its blocks go up leaves them uncommitted: no blob appears, in a
// read or a listing.
TEST_F(AzureStoreTest, BlocksOfAKilledUploadNeverBecomeVisible) {
  std::string prefix = Prefix("killed");
  AzureLocation loc = AzureAt(prefix);
  loc.single_put_max = 1 << 20;
  loc.block_size = 1 << 20;
  loc.parallel_blocks = 1;
  std::string src = Local("big.bin", (24 << 20) + 1);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    (void)AzureObjectStore(loc).Put("raw/big.bin", src);
    _exit(0);
  }
  int uncommitted = 0;
  for (int i = 0; i < 100 && uncommitted == 0; ++i) {
    uncommitted = std::atoi(Microsoft("uncommitted lake " + prefix + "raw/big.bin").c_str());
  }
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  AzureObjectStore store(loc);
  if (store.Head("raw/big.bin").value().has_value()) GTEST_SKIP() << "the upload finished first";
  ASSERT_GT(uncommitted, 0) << "no block was seen sent";
  EXPECT_TRUE(store.List("").value().empty());
  EXPECT_EQ(store.Get("raw/big.bin", dir_.Join("x")).error().code, ErrorCode::kNotFound);
}

// A SAS token instead of the account key: every operation, with nothing else.
TEST_F(AzureStoreTest, ASasTokenIsEnough) {
  std::string sas = Microsoft("sas lake racwdl");
  ASSERT_NE(sas.find("sig="), std::string::npos) << sas;
  AzureLocation loc = AzureAt(Prefix("sas"));
  loc.key.clear();
  loc.sas_token = sas;
  AzureObjectStore store(loc);
  std::string src = Local("a.csv", 100);
  ASSERT_TRUE(store.Put("a.csv", src).has_value());
  auto copy = store.Copy("a.csv", "b.csv");
  ASSERT_TRUE(copy.has_value()) << copy.error().message;
  EXPECT_EQ(store.List("").value().size(), 2u);
  ASSERT_TRUE(store.Get("b.csv", dir_.Join("b.csv")).has_value());
  EXPECT_EQ(Read(dir_.Join("b.csv")), Read(src));
  ASSERT_TRUE(store.Delete("a.csv").has_value());
  // A read-only SAS cannot write, and says so.
  loc.sas_token = Microsoft("sas lake rl");
  auto refused = AzureObjectStore(loc).Put("c.csv", src);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(refused.error().message.find("SAS"), std::string::npos) << refused.error().message;
}

TEST_F(AzureStoreTest, AWrongKeyIsRefusedWithAzuresCodeAndNoSecret) {
  AzureLocation loc = AzureAt(Prefix("wrong"));
  loc.key = "Wz8-not-the-key-not-the-key-not";
  auto put = AzureObjectStore(loc).Put("a.csv", Local("a.csv", 5));
  ASSERT_FALSE(put.has_value());
  EXPECT_EQ(put.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(put.error().message.find("403"), std::string::npos) << put.error().message;
  EXPECT_NE(put.error().message.find("AuthorizationFailure"), std::string::npos)
      << put.error().message;
  EXPECT_EQ(put.error().message.find("Wz8"), std::string::npos);
  EXPECT_EQ(put.error().message.find(Base64Encode(loc.key)), std::string::npos);
}

TEST_F(AzureStoreTest, ListsPastOnePage) {
  AzureLocation loc = AzureAt(Prefix("pages"));
  loc.list_page_size = 3;
  AzureObjectStore store(loc);
  std::string src = Local("x", 1);
  for (int i = 0; i < 7; ++i) ASSERT_TRUE(store.Put(fmt::format("k/{:02}", i), src).has_value());
  ASSERT_TRUE(store.Put("l/other", src).has_value());
  auto listed = store.List("k/");
  ASSERT_TRUE(listed.has_value()) << listed.error().message;
  ASSERT_EQ(listed->size(), 7u);
  EXPECT_EQ(listed->front().key, "k/00");
  EXPECT_EQ(listed->back().key, "k/06");
  EXPECT_EQ(listed->back().sha256, Sha256Hex(Read(src)));
  auto containers = store.ListContainers();
  ASSERT_TRUE(containers.has_value()) << containers.error().message;
  EXPECT_NE(std::ranges::find(*containers, "lake"), containers->end());
}

// Airflow's wasb fields, a connection string, the az CLI's variables, and what is said when
// nothing gives a key.
TEST(AzureLocationOf, ReadsAnAzureConnection) {
  unsetenv("AZURE_STORAGE_CONNECTION_STRING");
  unsetenv("AZURE_STORAGE_ACCOUNT");
  unsetenv("AZURE_STORAGE_KEY");
  unsetenv("AZURE_STORAGE_SAS_TOKEN");
  Connection c;
  c.conn_id = "az";
  c.conn_type = "wasb";
  c.login = "acct";
  c.password = Base64Encode("key bytes");
  AzureLocation loc = AzureLocationOf("az://lake/raw/taxi", c).value();
  EXPECT_EQ(loc.container, "lake");
  EXPECT_EQ(loc.prefix, "raw/taxi/");
  EXPECT_EQ(loc.account, "acct");
  EXPECT_EQ(loc.key, "key bytes");
  EXPECT_EQ(loc.endpoint, "https://acct.blob.core.windows.net");
  EXPECT_EQ(AzureObjectStore(loc).uri(), "az://lake/raw/taxi");

  Connection cs;
  cs.conn_id = "cs";
  cs.conn_type = "azure_blob";
  cs.extra = {{"connection_string",
               "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" +
                   Base64Encode("k2") + ";BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;"}};
  AzureLocation from_cs = AzureLocationOf("az://lake", cs).value();
  EXPECT_EQ(from_cs.account, "devstoreaccount1");
  EXPECT_EQ(from_cs.key, "k2");
  EXPECT_EQ(from_cs.endpoint, "http://127.0.0.1:10000/devstoreaccount1");

  Connection sas;
  sas.conn_id = "sas";
  sas.login = "acct";
  sas.extra = {{"sas_token", "?sv=2021-08-06&sig=abc"}};
  EXPECT_EQ(AzureLocationOf("az://lake", sas).value().sas_token, "sv=2021-08-06&sig=abc");

  Connection none;
  none.conn_id = "wasb_default";
  auto missing = AzureLocationOf("az://lake", none);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(missing.error().message.find("AZURE_STORAGE_CONNECTION_STRING"), std::string::npos);
  setenv("AZURE_STORAGE_ACCOUNT", "envacct", 1);
  setenv("AZURE_STORAGE_KEY", Base64Encode("env key").c_str(), 1);
  AzureLocation from_env = AzureLocationOf("az://lake", none).value();
  EXPECT_EQ(from_env.account, "envacct");
  EXPECT_EQ(from_env.key, "env key");
  unsetenv("AZURE_STORAGE_ACCOUNT");
  unsetenv("AZURE_STORAGE_KEY");

  Connection bad_key = c;
  bad_key.password = "Xk9!not base64";
  auto bad = AzureLocationOf("az://lake", bad_key);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message.find("Xk9"), std::string::npos);
  Connection aws;
  aws.conn_id = "a";
  aws.conn_type = "aws";
  EXPECT_FALSE(AzureLocationOf("az://lake", aws).has_value());
}

}  // namespace
}  // namespace weir
