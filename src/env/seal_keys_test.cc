#include "env/seal_keys.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <thread>
#include <vector>

#include "env/files.h"
#include "env/temp_dir.h"

namespace weir {
namespace {

class SealKeys : public ::testing::Test {
 protected:
  void SetUp() override { unsetenv(kSecretKeyEnv); }
  void TearDown() override { unsetenv(kSecretKeyEnv); }
  TempDir dir_;
};

TEST_F(SealKeys, TheFirstStoreMakesAnOwnerOnlyKeyFile) {
  std::string file = dir_.Join("secret.key");
  auto none = LoadSealKeys(file);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::kNotFound);
  auto ring = LoadOrCreateSealKeys(file);
  ASSERT_TRUE(ring) << ring.error().message;
  struct stat st {};
  ASSERT_EQ(stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  // Loaded again, it is the same key: what it sealed opens.
  std::string sealed = ring->Seal("v", "c").value();
  EXPECT_EQ(LoadOrCreateSealKeys(file)->Open(sealed, "c").value(), "v");
}

TEST_F(SealKeys, ProcessesCreatingTheKeyAtOnceAllGetTheOneKeyInTheFile) {
  // A scheduler and a worker started together on a new home: each makes the key if missing.
  std::string file = dir_.Join("secret.key");
  constexpr int kCreators = 8;
  std::vector<std::string> ids(kCreators);
  std::vector<std::thread> creators;
  creators.reserve(kCreators);
  for (int i = 0; i < kCreators; ++i) {
    creators.emplace_back([&, i] {
      auto ring = LoadOrCreateSealKeys(file);
      ids[i] = ring ? ring->current_id() : ring.error().message;
    });
  }
  for (auto& t : creators) t.join();
  std::string in_file = LoadSealKeys(file).value().current_id();
  for (const std::string& id : ids) EXPECT_EQ(id, in_file);
}

TEST_F(SealKeys, RefusesAKeyFileOthersCanRead) {
  std::string file = dir_.Join("secret.key");
  ASSERT_TRUE(WriteSealKeyFile(file, {SealKeyRing::NewKeyText()}));
  ASSERT_EQ(chmod(file.c_str(), 0644), 0);
  auto ring = LoadSealKeys(file);
  ASSERT_FALSE(ring);
  EXPECT_NE(ring.error().message.find("chmod 600 " + file), std::string::npos);
  EXPECT_FALSE(LoadOrCreateSealKeys(file));
}

TEST_F(SealKeys, TheEnvironmentWinsAndHoldsSeveralKeys) {
  std::string file = dir_.Join("secret.key");
  std::string a = SealKeyRing::NewKeyText();
  std::string b = SealKeyRing::NewKeyText();
  std::string sealed_b = SealKeyRing::FromText({b}, "t")->Seal("old", "c").value();
  setenv(kSecretKeyEnv, (a + " , " + b).c_str(), 1);
  auto ring = LoadOrCreateSealKeys(file);
  ASSERT_TRUE(ring) << ring.error().message;
  EXPECT_EQ(ring->current_id(), SealKeyRing::FromText({a}, "t")->current_id());
  EXPECT_EQ(ring->Open(sealed_b, "c").value(), "old");
  struct stat st {};
  EXPECT_NE(stat(file.c_str(), &st), 0) << "no key file is made when the environment has keys";
  setenv(kSecretKeyEnv, "short", 1);
  auto bad = LoadSealKeys(file);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("WEIR_SECRET_KEY: key 1"), std::string::npos);
}

}  // namespace
}  // namespace weir
