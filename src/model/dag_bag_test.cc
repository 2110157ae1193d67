#include "model/dag_bag.h"

#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/hash.h"
#include "env/temp_dir.h"
#include "model/loader_test_util.h"

namespace weir {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kGood[] = "tasks:\n  - {task_id: a, operator: bash, command: echo}\n";

// A fresh DAGs folder per test, removed afterwards.
class DagBagTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    root_ = dir_.path();
  }

  std::string Write(const std::string& relative, std::string_view content) {
    fs::path p = root_ / relative;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << content;
    return p.string();
  }
  DagBag Load() { return LoadDagFolder(root_.string(), testing::FakeOperators()); }

  TempDir dir_;
  fs::path root_;
};

TEST_F(DagBagTest, GoodFileLoadsAndBrokenFileIsAnImportError) {
  std::string good = Write("good.yaml", kGood);
  std::string broken = Write("broken.yml", "tasks:\n  - {task_id: a, operator: nope}\n");
  DagBag bag = Load();
  ASSERT_EQ(bag.dags.size(), 1u);
  ASSERT_TRUE(bag.dags.contains("good"));
  const DagSpec& dag = *bag.dags.at("good");
  EXPECT_EQ(dag.fileloc, good);
  EXPECT_EQ(dag.source, kGood);
  EXPECT_EQ(dag.source_hash, Sha256Hex(kGood));
  ASSERT_EQ(bag.errors.size(), 1u);
  EXPECT_THAT(bag.errors.at(broken),
              StartsWith(broken + ":2:28: unknown operator 'nope' in task 'a'"));
  EXPECT_EQ(bag.file_hashes.size(), 2u);
  EXPECT_EQ(bag.file_hashes.at(good), Sha256Hex(kGood));
}

TEST_F(DagBagTest, SearchesSubfoldersAndSkipsHiddenAndOtherFiles) {
  Write("team/nested/deep.yaml", kGood);
  Write(".hidden.yaml", "not: [valid");
  Write(".git/config.yaml", "not: [valid");
  Write("README.md", "# dags");
  Write("notes.txt", "x");
  DagBag bag = Load();
  EXPECT_TRUE(bag.errors.empty()) << bag.errors.begin()->second;
  ASSERT_EQ(bag.dags.size(), 1u);
  EXPECT_TRUE(bag.dags.contains("deep"));
  EXPECT_EQ(bag.file_hashes.size(), 1u);
}

TEST_F(DagBagTest, DuplicateDagIdAcrossFilesIsAnErrorNamingTheFirstFile) {
  std::string first = Write("a.yaml", std::string("dag_id: shared\n") + kGood);
  std::string second = Write("b.yaml", std::string("dag_id: shared\n") + kGood);
  DagBag bag = Load();
  ASSERT_EQ(bag.dags.size(), 1u);
  EXPECT_EQ(bag.dags.at("shared")->fileloc, first);
  ASSERT_TRUE(bag.errors.contains(second));
  EXPECT_EQ(bag.errors.at(second), second + ":1:9: dag_id 'shared' is already used by " + first +
                                       ": every DAG needs its own dag_id; rename one");
}

TEST_F(DagBagTest, RelativeFolderGivesAbsolutePaths) {
  Write("rel.yaml", kGood);
  fs::path old = fs::current_path();
  fs::current_path(root_.parent_path());
  DagBag bag = LoadDagFolder(root_.filename().string(), testing::FakeOperators());
  fs::current_path(old);
  ASSERT_TRUE(bag.dags.contains("rel"));
  EXPECT_EQ(bag.dags.at("rel")->fileloc, (root_ / "rel.yaml").string());
}

TEST_F(DagBagTest, MissingFolderIsAnError) {
  DagBag bag = LoadDagFolder((root_ / "absent").string(), testing::FakeOperators());
  EXPECT_TRUE(bag.dags.empty());
  ASSERT_EQ(bag.errors.size(), 1u);
  EXPECT_THAT(bag.errors.begin()->second, HasSubstr("the DAGs folder does not exist"));
}

TEST_F(DagBagTest, LoadDagFileGivesAnAbsoluteFileloc) {
  std::string path = Write("one.yaml", kGood);
  auto dag = LoadDagFile(path, testing::FakeOperators());
  ASSERT_TRUE(dag.has_value()) << dag.error().message;
  EXPECT_EQ(dag->fileloc, path);
  EXPECT_EQ(dag->dag_id, "one");
}

}  // namespace
}  // namespace weir
