#include "duck/duck_extension.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "env/temp_dir.h"

namespace weir {
namespace {

namespace fs = std::filesystem;

void WriteFile(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
}

TEST(DuckExtension, SubpathIsTheLibrarysVersionAndPlatform) {
  auto db = DuckDatabase::Open("").value();
  auto con = db->Connect().value();
  std::string subpath = DuckExtensionSubpath(con, "httpfs").value();
  EXPECT_TRUE(subpath.starts_with("v1.")) << subpath;
  EXPECT_TRUE(subpath.ends_with("/httpfs.duckdb_extension")) << subpath;
  EXPECT_EQ(std::count(subpath.begin(), subpath.end(), '/'), 2) << subpath;
}

TEST(DuckExtension, NoFolderConfiguredSaysHowToInstall) {
  auto db = DuckDatabase::Open("").value();
  auto con = db->Connect().value();
  auto loaded = LoadDuckExtension(con, "httpfs", "", "reading s3://bkt/x.parquet");
  ASSERT_FALSE(loaded.has_value());
  EXPECT_EQ(loaded.error().code, ErrorCode::kFailedPrecondition);
  const std::string& m = loaded.error().message;
  EXPECT_NE(m.find("reading s3://bkt/x.parquet needs DuckDB's httpfs extension"), std::string::npos)
      << m;
  EXPECT_NE(m.find("no duckdb_extension_directory is configured"), std::string::npos) << m;
  EXPECT_NE(m.find("INSTALL httpfs"), std::string::npos) << m;
  EXPECT_NE(m.find("never downloads"), std::string::npos) << m;
}

TEST(DuckExtension, AMissingFileNamesBothPlacesLookedAt) {
  TempDir dir;
  auto db = DuckDatabase::Open("").value();
  auto con = db->Connect().value();
  std::string subpath = DuckExtensionSubpath(con, "azure").value();
  auto loaded = LoadDuckExtension(con, "azure", dir.path(), "reading az://c/x.parquet");
  ASSERT_FALSE(loaded.has_value());
  const std::string& m = loaded.error().message;
  EXPECT_NE(m.find("not in duckdb_extension_directory " + dir.path()), std::string::npos) << m;
  EXPECT_NE(m.find((fs::path(dir.path()) / subpath).string()), std::string::npos) << m;
  EXPECT_NE(m.find((fs::path(dir.path()) / "azure.duckdb_extension").string()), std::string::npos)
      << m;
}

// A file that is not DuckDB's build is refused with DuckDB's reason, in either layout, and
// the database stays usable.
TEST(DuckExtension, AFileThatIsNotAnExtensionIsRefusedWithDuckDbsReason) {
  TempDir dir;
  auto db = DuckDatabase::Open("").value();
  auto con = db->Connect().value();
  std::string subpath = DuckExtensionSubpath(con, "httpfs").value();
  WriteFile(fs::path(dir.path()) / subpath, "not an extension");
  auto small = LoadDuckExtension(con, "httpfs", dir.path(), "reading s3:// files");
  ASSERT_FALSE(small.has_value());
  EXPECT_EQ(small.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(
      small.error().message.find("DuckDB refused " + (fs::path(dir.path()) / subpath).string()),
      std::string::npos)
      << small.error().message;
  EXPECT_NE(small.error().message.find("not a DuckDB extension"), std::string::npos)
      << small.error().message;
  EXPECT_NE(small.error().message.find("signed build"), std::string::npos);

  TempDir flat;
  WriteFile(fs::path(flat.path()) / "httpfs.duckdb_extension", std::string(4096, 'x'));
  auto big = LoadDuckExtension(con, "httpfs", flat.path(), "reading s3:// files");
  ASSERT_FALSE(big.has_value());
  EXPECT_NE(big.error().message.find("metadata at the end of the file is invalid"),
            std::string::npos)
      << big.error().message;
  EXPECT_EQ(con.Query("SELECT 41 + 1").value().rows.at(0).at(0), "42");
}

// prepare runs before a confined database locks its settings: what it sets holds, the SQL
// given later cannot change it, and what it returns may be read.
TEST(DuckExtension, PrepareRunsBeforeConfining) {
  TempDir dir;
  std::ofstream(fs::path(dir.path()) / "a.csv") << "n\n7\n";
  DuckOptions options;
  options.confined = true;
  int calls = 0;
  options.prepare = [&](DuckConnection& con) -> Result<std::vector<std::string>> {
    ++calls;
    TRY(con.Execute("SET threads = 1"));
    return std::vector<std::string>{dir.path()};
  };
  auto db = DuckDatabase::Open("", options).value();
  EXPECT_EQ(calls, 1);
  auto con = db->Connect().value();
  EXPECT_EQ(con.Query("SELECT current_setting('threads')").value().rows.at(0).at(0), "1");
  EXPECT_FALSE(con.Execute("SET threads = 2").has_value());
  EXPECT_EQ(
      con.Query("SELECT n FROM read_csv('" + dir.path() + "/a.csv')").value().rows.at(0).at(0),
      "7");
  EXPECT_FALSE(con.Query("SELECT * FROM read_text('/etc/hostname')").has_value());

  options.prepare = [](DuckConnection&) -> Result<std::vector<std::string>> {
    return Err(ErrorCode::kFailedPrecondition, "no httpfs here");
  };
  auto failed = DuckDatabase::Open("", options);
  ASSERT_FALSE(failed.has_value());
  EXPECT_EQ(failed.error().message, "no httpfs here");
}

}  // namespace
}  // namespace weir
