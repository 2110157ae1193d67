#include "transfer/lists.h"

#include <gtest/gtest.h>

namespace weir {
namespace {

TEST(ParseManifestTest, ReadsTheFirstColumnWithQuotesAndLineEnds) {
  std::string text =
      "\xEF\xBB\xBF"
      "a.csv,10\r\n"
      "\"doe,john.txt\",x\n"
      "\n"
      "\"say \"\"hi\"\".txt\"\n"
      "sub dir/\xC3\xBC+%.csv";
  auto names = ParseManifest(text, "m.csv");
  ASSERT_TRUE(names) << names.error().message;
  EXPECT_EQ(*names, (std::set<std::string>{"a.csv", "doe,john.txt", "say \"hi\".txt",
                                           "sub dir/\xC3\xBC+%.csv"}));
}

TEST(ParseManifestTest, RefusesFoldersEscapesAndOpenQuotesNamingTheLine) {
  auto folder = ParseManifest("a.csv\nraw/\n", "m.csv");
  ASSERT_FALSE(folder);
  EXPECT_NE(folder.error().message.find("manifest m.csv line 2: 'raw/'"), std::string::npos)
      << folder.error().message;
  auto escape = ParseManifest("../etc/passwd\n", "m.csv");
  ASSERT_FALSE(escape);
  EXPECT_NE(escape.error().message.find("line 1"), std::string::npos);
  auto open = ParseManifest("ok\n\"never closed,\n", "m.csv");
  ASSERT_FALSE(open);
  EXPECT_NE(open.error().message.find("line 2: a quote is not closed"), std::string::npos)
      << open.error().message;
}

TEST(ParseUrlListTest, KeysAreHostAndPathWithoutPortQueryOrEscapes) {
  std::string text =
      "TsvHttpData-1.0\r\n"
      "https://example.com:8443/data/a%20b.csv?sig=1\t12\t1B2M2Y8AsgTpgAmY7PhCfg==\r\n"
      "http://127.0.0.1:9000/z.bin\t0\t1B2M2Y8AsgTpgAmY7PhCfg==\n"
      "\n";
  auto entries = ParseUrlList(text, "list.tsv");
  ASSERT_TRUE(entries) << entries.error().message;
  ASSERT_EQ(entries->size(), 2U);
  EXPECT_EQ((*entries)[0].key, "127.0.0.1/z.bin");
  EXPECT_EQ((*entries)[0].size, 0);
  EXPECT_EQ((*entries)[0].md5, "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ((*entries)[0].line, 3);
  EXPECT_EQ((*entries)[1].key, "example.com/data/a b.csv");
  EXPECT_EQ((*entries)[1].url, "https://example.com:8443/data/a%20b.csv?sig=1");
  EXPECT_EQ((*entries)[1].size, 12);
}

TEST(ParseUrlListTest, EachMistakeNamesItsLine) {
  struct Case {
    std::string text;
    std::string expected;
  };
  const std::string md5 = "1B2M2Y8AsgTpgAmY7PhCfg==";
  std::vector<Case> cases = {
      {"", "is empty"},
      {"http://h/a\t1\t" + md5 + "\n", "line 1: the first line must be TsvHttpData-1.0"},
      {"TsvHttpData-1.0\nhttp://h/a\n", "line 2: 1 field(s) where three are needed"},
      {"TsvHttpData-1.0\nftp://h/a\t1\t" + md5, "line 2: 'ftp://h/a' is not an http(s):// URL"},
      {"TsvHttpData-1.0\nhttp://h/\t1\t" + md5, "names no object"},
      {"TsvHttpData-1.0\nhttp://h/a\t-1\t" + md5, "size '-1' is not a count of bytes"},
      {"TsvHttpData-1.0\nhttp://h/a\t1k\t" + md5, "size '1k' is not a count of bytes"},
      {"TsvHttpData-1.0\nhttp://h/a\t1\td41d8cd98f00b204e9800998ecf8427e",
       "is not an MD5 in base64"},
      {"TsvHttpData-1.0\nhttp://h/a/../../x\t1\t" + md5, "which is not valid"},
      {"TsvHttpData-1.0\nhttp://h/a\t1\t" + md5 + "\nhttp://h:81/a\t1\t" + md5,
       "line 3: 'http://h:81/a' lands at h/a like line 2"},
  };
  for (const Case& c : cases) {
    auto got = ParseUrlList(c.text, "list.tsv");
    ASSERT_FALSE(got) << c.text;
    EXPECT_NE(got.error().message.find(c.expected), std::string::npos)
        << got.error().message << "\nexpected: " << c.expected;
    EXPECT_EQ(got.error().code, ErrorCode::kInvalidArgument);
  }
}

TEST(CheckListLocationTest, AcceptsFilesNotFolders) {
  for (const char* ok : {"https://h/list.tsv", "/abs/m.csv", "file:///abs/m.csv",
                         "s3://bucket/m.csv", "gs://b/lists/m.csv", "lake://lists/m.csv"}) {
    EXPECT_TRUE(CheckListLocation("manifest", ok)) << ok;
  }
  for (const char* bad :
       {"relative.csv", "s3://bucket/", "s3://bucket", "gs://b/lists/", "ftp://h/m.csv", ""}) {
    auto s = CheckListLocation("manifest", bad);
    ASSERT_FALSE(s) << bad;
    EXPECT_NE(s.error().message.find("must name a file"), std::string::npos);
  }
}

}  // namespace
}  // namespace weir
