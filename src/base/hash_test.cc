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

TEST(Md5, MatchesRfc1321AndPiecesHashLikeTheWhole) {
  // RFC 1321's test suite: "" and "abc".
  Md5 empty;
  EXPECT_EQ(HexOf(empty.Digest()), "d41d8cd98f00b204e9800998ecf8427e");
  Md5 abc;
  abc.Update("a");
  abc.Update("bc");
  EXPECT_EQ(HexOf(abc.Digest()), "900150983cd24fb0d6963f7d28e17f72");
}

TEST(HmacSha256, MatchesRfc4231) {
  // RFC 4231 test cases 1 and 2; case 6: a key longer than the block size.
  EXPECT_EQ(HexOf(HmacSha256(std::string(20, '\x0b'), "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(HexOf(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(HexOf(HmacSha256(std::string(131, '\xaa'),
                             "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
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

// RFC 3720's check value ("123456789" -> 0xE3069283) and GCS's documented crc32c of
// "hello world" ("yZRlqg=="), whole and in pieces across the 8-byte steps.
TEST(Crc32c, MatchesTheCheckValueAndGcsInPiecesAndWhole) {
  Crc32c check;
  check.Update("123456789");
  EXPECT_EQ(check.Value(), 0xE3069283U);
  Crc32c empty;
  EXPECT_EQ(empty.Value(), 0U);
  Crc32c hello;
  hello.Update("hello ");
  hello.Update("");
  hello.Update("world");
  EXPECT_EQ(hello.Base64(), "yZRlqg==");
  std::string long_text(1000, 'x');
  for (size_t i = 0; i < long_text.size(); ++i) long_text[i] = static_cast<char>(i * 7);
  Crc32c whole, pieces;
  whole.Update(long_text);
  for (size_t i = 0; i < long_text.size(); i += 13) pieces.Update(long_text.substr(i, 13));
  EXPECT_EQ(whole.Value(), pieces.Value());
}

}  // namespace
}  // namespace weir
