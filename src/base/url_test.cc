#include "base/url.h"

#include <gtest/gtest.h>

namespace weir {
namespace {

TEST(PercentEncode, KeepsOnlyUnreservedCharacters) {
  EXPECT_EQ(PercentEncode("aZ09-._~"), "aZ09-._~");
  EXPECT_EQ(PercentEncode("a b/c:d@e"), "a%20b%2Fc%3Ad%40e");
  EXPECT_EQ(PercentEncode("a b/c", {.plus_for_space = true}), "a+b%2Fc");
  EXPECT_EQ(PercentEncode("a b/c", {.keep_slash = true}), "a%20b/c");
  EXPECT_EQ(PercentEncode("\xc3\xa9\x01"), "%C3%A9%01");
}

TEST(PercentDecode, DecodesAndKeepsBrokenEscapes) {
  EXPECT_EQ(PercentDecode("a%2"), "a%2");
  EXPECT_EQ(PercentDecode("a%zz+b"), "a%zz+b");
  EXPECT_EQ(PercentDecode("a%41+b", true), "aA b");
  EXPECT_EQ(PercentDecode("%2f%2F"), "//");
}

TEST(PercentDecode, UndoesEncodeForEveryByte) {
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  EXPECT_EQ(PercentDecode(PercentEncode(all)), all);
  EXPECT_EQ(PercentDecode(PercentEncode(all, {.plus_for_space = true}), true), all);
}

TEST(Base64Encode, StandardAndUrlSafe) {
  EXPECT_EQ(Base64Encode("Aladdin:open sesame"), "QWxhZGRpbjpvcGVuIHNlc2FtZQ==");  // RFC 7617
  EXPECT_EQ(Base64Encode("\xfb\xff"), "+/8=");
  EXPECT_EQ(Base64Encode("\xfb\xff", true), "-_8");
  EXPECT_EQ(Base64Encode(""), "");
}

TEST(Base64Decode, ReadsWhatEncodeWritesAndRefusesTheRest) {
  for (const std::string& bytes : {std::string(), std::string("f"), std::string("fo"),
                                   std::string("foo"), std::string("\x00\xff\x10 binary", 10)}) {
    EXPECT_EQ(Base64Decode(Base64Encode(bytes)), bytes);
  }
  EXPECT_EQ(Base64Decode("Zm9v"), "foo");
  EXPECT_EQ(Base64Decode("Zm8"), "fo");  // padding left out
  EXPECT_FALSE(Base64Decode("Zm9v!"));
  EXPECT_FALSE(Base64Decode("Zm 9v"));
}

TEST(UrlWithoutPassword, HidesTheUserinfoPasswordAndThePasswordParameter) {
  EXPECT_EQ(UrlWithoutPassword("postgresql://ann:s3cret@db.example:5432/weir"),
            "postgresql://ann:***@db.example:5432/weir");
  EXPECT_EQ(UrlWithoutPassword("postgresql://ann:p@ss@host/weir"),
            "postgresql://ann:***@host/weir");
  EXPECT_EQ(UrlWithoutPassword("postgresql://host/weir?user=ann&password=s3cret&sslmode=require"),
            "postgresql://host/weir?user=ann&password=***&sslmode=require");
  EXPECT_EQ(UrlWithoutPassword("postgresql://ann@host/weir"), "postgresql://ann@host/weir");
  EXPECT_EQ(UrlWithoutPassword("sqlite:///var/weir.db"), "sqlite:///var/weir.db");
  EXPECT_EQ(UrlWithoutPassword("/var/weir.db"), "/var/weir.db");
  EXPECT_EQ(UrlWithoutPassword("redis://:s3cret@127.0.0.1:6379/0"),
            "redis://:***@127.0.0.1:6379/0");
}

}  // namespace
}  // namespace weir
