#include "env/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

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

TEST(WriteFileAtomic, IfAbsentKeepsAFileThatExistsAndLeavesNoTemporaryFile) {
  TempDir dir;
  std::string path = dir.Join("key");
  ASSERT_TRUE(WriteFileAtomic(path, "first", WriteMode::kIfAbsent));
  ASSERT_TRUE(WriteFileAtomic(path, "second", WriteMode::kIfAbsent));
  EXPECT_EQ(ReadFile(path).value(), "first");
  auto files = ListFiles(dir.path(), false);
  ASSERT_TRUE(files) << files.error().message;
  EXPECT_EQ(*files, std::vector<std::string>{path});
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
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

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

// Run with the most open umask: what weir creates must not depend on the caller's.
class OpenUmask : public ::testing::Test {
 protected:
  void SetUp() override { old_ = umask(0); }
  void TearDown() override { umask(old_); }
  mode_t old_ = 0;
};

TEST_F(OpenUmask, WritesAndFoldersAreOwnerOnly) {
  TempDir dir;
  ASSERT_TRUE(MakeDirs(dir.Join("a/b")));
  EXPECT_EQ(ModeOf(dir.Join("a")), 0700u);
  EXPECT_EQ(ModeOf(dir.Join("a/b")), 0700u);
  ASSERT_TRUE(WriteFileAtomic(dir.Join("a/secret"), "x"));
  EXPECT_EQ(ModeOf(dir.Join("a/secret")), 0600u);
}

TEST_F(OpenUmask, RestrictNewFilesToOwnerCoversFilesOthersCreate) {
  TempDir dir;
  RestrictNewFilesToOwner();
  std::string file = dir.Join("by-a-library");
  int fd = open(file.c_str(), O_WRONLY | O_CREAT, 0666);  // as SQLite and DuckDB do
  ASSERT_GE(fd, 0);
  close(fd);
  EXPECT_EQ(ModeOf(file), 0600u);
  std::filesystem::create_directories(dir.Join("x/y"));
  EXPECT_EQ(ModeOf(dir.Join("x/y")), 0700u);
}

TEST(OpenToOthersWarning, NamesAFolderOthersCanReadAndTheFix) {
  TempDir dir;
  ASSERT_EQ(chmod(dir.path().c_str(), 0700), 0);
  EXPECT_EQ(OpenToOthersWarning(dir.path(), "the home"), "");
  ASSERT_EQ(chmod(dir.path().c_str(), 0755), 0);
  std::string warning = OpenToOthersWarning(dir.path(), "the home");
  EXPECT_NE(warning.find("the home " + dir.path()), std::string::npos) << warning;
  EXPECT_NE(warning.find("0755"), std::string::npos) << warning;
  EXPECT_NE(warning.find("chmod -R go-rwx"), std::string::npos) << warning;
  EXPECT_EQ(OpenToOthersWarning(dir.Join("missing"), "the home"), "");
}

TEST(ReadFileWithin, ReadsFilesAndLinksThatStayInside) {
  TempDir dir;
  ASSERT_TRUE(MakeDirs(dir.Join("dags/sub")));
  ASSERT_TRUE(WriteFileAtomic(dir.Join("dags/sub/a.yaml"), "a: 1"));
  ASSERT_EQ(symlink("sub/a.yaml", dir.Join("dags/link.yaml").c_str()), 0);
  auto direct = ReadFileWithin(dir.Join("dags"), dir.Join("dags/sub/a.yaml"), 100);
  ASSERT_TRUE(direct) << direct.error().message;
  EXPECT_EQ(*direct, "a: 1");
  auto linked = ReadFileWithin(dir.Join("dags"), dir.Join("dags/link.yaml"), 100);
  ASSERT_TRUE(linked) << linked.error().message;
  EXPECT_EQ(*linked, "a: 1");
}

TEST(ReadFileWithin, RefusesALinkOutsideNamingItAndTheTargetFolder) {
  TempDir dir;
  ASSERT_TRUE(MakeDirs(dir.Join("dags")));
  ASSERT_TRUE(MakeDirs(dir.Join("private")));
  ASSERT_TRUE(WriteFileAtomic(dir.Join("private/shadow"), "root:$6$secret"));
  std::string link = dir.Join("dags/x.yaml");
  ASSERT_EQ(symlink(dir.Join("private/shadow").c_str(), link.c_str()), 0);
  auto read = ReadFileWithin(dir.Join("dags"), link, 1000);
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(read.error().message.find(link), std::string::npos) << read.error().message;
  EXPECT_NE(read.error().message.find(dir.Join("private")), std::string::npos);
  EXPECT_EQ(read.error().message.find("secret"), std::string::npos) << read.error().message;
  // A folder named like the root's prefix is outside too.
  ASSERT_TRUE(MakeDirs(dir.Join("dags2")));
  ASSERT_TRUE(WriteFileAtomic(dir.Join("dags2/y.yaml"), "y"));
  ASSERT_EQ(symlink(dir.Join("dags2/y.yaml").c_str(), dir.Join("dags/y.yaml").c_str()), 0);
  EXPECT_FALSE(ReadFileWithin(dir.Join("dags"), dir.Join("dags/y.yaml"), 1000));
}

TEST(ReadFileWithin, RefusesFilesLargerThanTheLimitAndNonRegularFiles) {
  TempDir dir;
  ASSERT_TRUE(WriteFileAtomic(dir.Join("big"), std::string(101, 'x')));
  auto big = ReadFileWithin(dir.path(), dir.Join("big"), 100);
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(big.error().message.find("larger than 100 bytes"), std::string::npos);
  EXPECT_TRUE(ReadFileWithin(dir.path(), dir.Join("big"), 101));
  ASSERT_EQ(mkfifo(dir.Join("fifo").c_str(), 0600), 0);
  auto fifo = ReadFileWithin(dir.path(), dir.Join("fifo"), 100);  // must not block
  ASSERT_FALSE(fifo);
  EXPECT_NE(fifo.error().message.find("not a regular file"), std::string::npos);
  EXPECT_EQ(ReadFileWithin(dir.path(), dir.Join("missing"), 100).error().code,
            ErrorCode::kNotFound);
}

}  // namespace
}  // namespace weir
