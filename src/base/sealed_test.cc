#include "base/sealed.h"

#include <gtest/gtest.h>

namespace weir {
namespace {

SealKeyRing Ring(const std::vector<std::string>& keys) {
  auto ring = SealKeyRing::FromText(keys, "test");
  EXPECT_TRUE(ring) << ring.error().message;
  return ring.value_or(SealKeyRing{});
}

TEST(Sealed, OpensWhatItSealedAndOnlyInItsContext) {
  SealKeyRing ring = Ring({SealKeyRing::NewKeyText()});
  std::string sealed = ring.Seal("s3cr3t-value", "connection:a").value();
  EXPECT_TRUE(sealed.starts_with("wk1." + ring.current_id() + "."));
  EXPECT_EQ(sealed.find("s3cr3t-value"), std::string::npos);
  EXPECT_EQ(ring.Open(sealed, "connection:a").value(), "s3cr3t-value");
  auto moved = ring.Open(sealed, "connection:b");
  ASSERT_FALSE(moved);
  EXPECT_NE(moved.error().message.find("altered or belongs elsewhere"), std::string::npos);
  // Two seals of one value differ (random nonces).
  EXPECT_NE(ring.Seal("x", "c").value(), ring.Seal("x", "c").value());
  EXPECT_EQ(ring.Open(ring.Seal("", "c").value(), "c").value(), "");
}

TEST(Sealed, AlteredTextDoesNotOpen) {
  SealKeyRing ring = Ring({SealKeyRing::NewKeyText()});
  std::string sealed = ring.Seal("value", "c").value();
  for (size_t i = sealed.rfind('.') + 1; i < sealed.size(); i += 7) {
    std::string bad = sealed;
    bad[i] = bad[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(ring.Open(bad, "c")) << i;
  }
  EXPECT_FALSE(ring.Open(sealed.substr(0, sealed.size() - 4), "c"));
  EXPECT_FALSE(ring.Open("plain text", "c"));
}

TEST(Sealed, ARingOpensWithEveryKeyAndSealsWithTheFirst) {
  std::string old_key = SealKeyRing::NewKeyText();
  std::string new_key = SealKeyRing::NewKeyText();
  SealKeyRing old_ring = Ring({old_key});
  std::string by_old = old_ring.Seal("v", "c").value();
  SealKeyRing both = Ring({new_key, old_key});
  EXPECT_EQ(both.Open(by_old, "c").value(), "v");
  std::string by_new = both.Seal("v", "c").value();
  EXPECT_EQ(SealKeyRing::KeyIdOf(by_new), both.current_id());
  EXPECT_NE(both.current_id(), old_ring.current_id());
  auto missing = old_ring.Open(by_new, "c");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("sealed with key " + both.current_id()),
            std::string::npos);
}

TEST(Sealed, RefusesKeysOfTheWrongSize) {
  auto ring = SealKeyRing::FromText({"c2hvcnQ"}, "WEIR_SECRET_KEY");
  ASSERT_FALSE(ring);
  EXPECT_NE(ring.error().message.find("WEIR_SECRET_KEY: key 1 is not 32 bytes"), std::string::npos);
  EXPECT_FALSE(SealKeyRing::FromText({"not base64 at all!"}, "x"));
  EXPECT_FALSE(SealKeyRing{}.Seal("v", "c"));
}

}  // namespace
}  // namespace weir
