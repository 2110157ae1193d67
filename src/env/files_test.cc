#include "env/files.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "env/temp_dir.h"

namespace weir {
namespace {

TEST(WriteFileAtomic, WritesContentAndLeavesNoTemporaryFile) {
  TempDir dir;
  std::string path = dir.Join("state.json");
  ASSERT_TRUE(WriteFileAtomic(path, "first"));
  ASSERT_TRUE(WriteFileAtomic(path, "second"));
  auto content = ReadFile(path);
  ASSERT_TRUE(content) << content.error().message;
  EXPECT_EQ(*content, "second");
  auto files = ListFiles(dir.path(), false);
  ASSERT_TRUE(files) << files.error().message;
  EXPECT_EQ(*files, std::vector<std::string>{path});
}

TEST(WriteFileAtomic, FailsNamingThePathWhenTheFolderIsMissing) {
  TempDir dir;
  std::string path = dir.Join("missing/state.json");
  Status s = WriteFileAtomic(path, "x");
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find(path), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find("No such file or directory"), std::string::npos);
}

TEST(ReadFile, MissingFileIsNotFoundNamingThePath) {
  TempDir dir;
  auto content = ReadFile(dir.Join("nope.yaml"));
  ASSERT_FALSE(content);
  EXPECT_EQ(content.error().code, ErrorCode::kNotFound);
  EXPECT_NE(content.error().message.find("nope.yaml"), std::string::npos);
}

TEST(MakeDirs, CreatesMissingParentsAndAcceptsExistingFolders) {
  TempDir dir;
  std::string deep = dir.Join("a/b/c");
  ASSERT_TRUE(MakeDirs(deep));
  ASSERT_TRUE(MakeDirs(deep));
  struct stat st;
  ASSERT_EQ(stat(deep.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
}

TEST(MakeDirs, FailsWhenAFileIsInTheWay) {
  TempDir dir;
  ASSERT_TRUE(WriteFileAtomic(dir.Join("file"), "x"));
  Status s = MakeDirs(dir.Join("file/sub"));
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find(dir.Join("file")), std::string::npos) << s.error().message;
}

TEST(ListFiles, ListsSortedRegularFilesOptionallyRecursingAndSkippingHidden) {
  TempDir dir;
  ASSERT_TRUE(MakeDirs(dir.Join("sub/deeper")));
  ASSERT_TRUE(MakeDirs(dir.Join(".git")));
  for (const char* name :
       {"b.yaml", "a.yaml", "sub/c.yaml", "sub/deeper/d.yaml", ".hidden", ".git/config"}) {
    ASSERT_TRUE(WriteFileAtomic(dir.Join(name), "x"));
  }
  auto flat = ListFiles(dir.path(), false);
  ASSERT_TRUE(flat) << flat.error().message;
  EXPECT_EQ(*flat, (std::vector<std::string>{dir.Join("a.yaml"), dir.Join("b.yaml")}));
  auto all = ListFiles(dir.path(), true);
  ASSERT_TRUE(all) << all.error().message;
  EXPECT_EQ(*all,
            (std::vector<std::string>{dir.Join("a.yaml"), dir.Join("b.yaml"),
                                      dir.Join("sub/c.yaml"), dir.Join("sub/deeper/d.yaml")}));
}

TEST(ListFiles, MissingFolderIsNotFound) {
  TempDir dir;
  auto files = ListFiles(dir.Join("nope"), true);
  ASSERT_FALSE(files);
  EXPECT_EQ(files.error().code, ErrorCode::kNotFound);
  EXPECT_NE(files.error().message.find("nope"), std::string::npos);
}

}  // namespace
}  // namespace weir
