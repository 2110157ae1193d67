#include "store/open.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "store/store_test_fixture.h"

namespace weir {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(OpenMetadataStore, SqliteUrlWithAnAbsolutePathOpensWithoutMigrating) {
  TempDir dir;
  std::string path = dir.Join("weir.db");
  auto store = OpenMetadataStore("sqlite://" + path);
  ASSERT_TRUE(store.has_value()) << store.error().message;
  EXPECT_EQ((*store)->SchemaVersion().value(), 0);
  EXPECT_TRUE(std::filesystem::exists(path));
  ASSERT_OK((*store)->Migrate());
  EXPECT_EQ((*store)->GetPool("default_pool").value().slots, 128);
}

TEST(OpenMetadataStore, BarePathOpensSqlite) {
  TempDir dir;
  auto store = OpenMetadataStore(dir.Join("bare.db"));
  ASSERT_TRUE(store.has_value()) << store.error().message;
  ASSERT_OK((*store)->Migrate());
  EXPECT_TRUE(std::filesystem::exists(dir.Join("bare.db")));
}

TEST(OpenMetadataStore, PostgresqlThatCannotBeReachedIsUnavailableAndHidesThePassword) {
  // Port 1 on 127.0.0.1: nothing listens there, so the connection is refused at once.
  auto store = OpenMetadataStore("postgresql://weir:s3cret@127.0.0.1:1/weir");
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code, ErrorCode::kUnavailable);
  EXPECT_THAT(store.error().message, HasSubstr("postgresql://weir:***@127.0.0.1:1/weir"));
  EXPECT_THAT(store.error().message, Not(HasSubstr("s3cret")));
  EXPECT_THAT(store.error().message, HasSubstr("check that PostgreSQL runs there"));
}

TEST(OpenMetadataStore, UnknownSchemesAndEmptyUrlsAreRejected) {
  EXPECT_ERROR(OpenMetadataStore("mysql://localhost/weir"), ErrorCode::kInvalidArgument);
  EXPECT_ERROR(OpenMetadataStore(""), ErrorCode::kInvalidArgument);
  EXPECT_ERROR(OpenMetadataStore("sqlite://"), ErrorCode::kInvalidArgument);
}

TEST(OpenMetadataStore, MissingDirectoryIsAnIoError) {
  TempDir dir;
  auto store = OpenMetadataStore("sqlite://" + dir.Join("no/such/dir/weir.db"));
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code, ErrorCode::kIo);
  EXPECT_THAT(store.error().message, HasSubstr("no/such/dir/weir.db"));
}

}  // namespace
}  // namespace weir
