#include "base/hash.h"

#include <gtest/gtest.h>

namespace weir {
namespace {

TEST(Hash, Sha256HexMatchesKnownDigests) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Hash, Sha256HexDiffersWhenContentChanges) {
  EXPECT_NE(Sha256Hex("schedule: '@daily'\n"), Sha256Hex("schedule: '@hourly'\n"));
}

}  // namespace
}  // namespace weir

namespace weir {
namespace {

TEST(Sha256, PiecesHashLikeTheWhole) {
  Sha256 h;
  h.Update("a");
  h.Update("");
  h.Update("bc");
  EXPECT_EQ(h.HexDigest(), Sha256Hex("abc"));
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace weir
