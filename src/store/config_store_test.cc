// The ConfigStore suite: variables, connections and pools.
#include "store/config_store.h"

#include <gtest/gtest.h>

#include "store/store_test_fixture.h"

namespace weir {
namespace {

TEST_P(ConfigStoreTest, VariablesAreSetReplacedListedAndDeleted) {
  ASSERT_OK(store().SetVariable({.key = "b", .value = "1", .description = "", .is_secret = false}));
  ASSERT_OK(store().SetVariable({.key = "a", .value = "x", .description = "d", .is_secret = true}));
  ASSERT_OK(
      store().SetVariable({.key = "b", .value = "2", .description = "n", .is_secret = false}));
  Variable b = store().GetVariable("b").value();
  EXPECT_EQ(b.value, "2");
  EXPECT_EQ(b.description, "n");
  auto all = store().ListVariables().value();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].key, "a");
  EXPECT_TRUE(all[0].is_secret);
  ASSERT_OK(store().DeleteVariable("a"));
  EXPECT_ERROR(store().GetVariable("a"), ErrorCode::kNotFound);
  EXPECT_ERROR(store().DeleteVariable("a"), ErrorCode::kNotFound);
}

TEST_P(ConfigStoreTest, ConnectionsAreSetReplacedListedAndDeleted) {
  StoredConnection s3{.conn_id = "s3_lake",
                      .conn_type = "aws",
                      .description = "the lake",
                      .host = "",
                      .schema = "",
                      .login = "AKIA",
                      .port = std::nullopt,
                      .extra = {{"region_name", "eu-west-1"}},
                      .sealed = "wk1.00000000.x",
                      .updated_at = {}};
  ASSERT_OK(store().SetConnection(s3));
  StoredConnection api = s3;
  api.conn_id = "api";
  api.conn_type = "http";
  api.port = 8080;
  api.extra = Json::object();
  ASSERT_OK(store().SetConnection(api));
  s3.login = "AKIA2";
  s3.sealed = "wk1.00000000.y";
  ASSERT_OK(store().SetConnection(s3));
  StoredConnection got = store().GetConnection("s3_lake").value();
  EXPECT_EQ(got.login, "AKIA2");
  EXPECT_EQ(got.sealed, "wk1.00000000.y");
  EXPECT_EQ(got.extra["region_name"], "eu-west-1");
  EXPECT_FALSE(got.port);
  EXPECT_EQ(got.description, "the lake");
  auto all = store().ListConnections().value();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].conn_id, "api");
  EXPECT_EQ(all[0].port, 8080);
  StoredConnection bad = api;
  bad.conn_id = "../x";
  EXPECT_ERROR(store().SetConnection(bad), ErrorCode::kInvalidArgument);
  ASSERT_OK(store().DeleteConnection("api"));
  EXPECT_ERROR(store().GetConnection("api"), ErrorCode::kNotFound);
  EXPECT_ERROR(store().DeleteConnection("api"), ErrorCode::kNotFound);
}

TEST_P(ConfigStoreTest, PoolsIncludeAnUndeletableDefaultPool) {
  Pool fallback = store().GetPool("default_pool").value();
  EXPECT_EQ(fallback.slots, 128);
  EXPECT_ERROR(store().SetPool({.name = "../db", .slots = 4, .description = ""}),
               ErrorCode::kInvalidArgument);
  EXPECT_ERROR(
      store().SetVariable({.key = "a/b", .value = "1", .description = "", .is_secret = false}),
      ErrorCode::kInvalidArgument);
  ASSERT_OK(store().SetPool({.name = "db", .slots = 4, .description = "database"}));
  ASSERT_OK(store().SetPool({.name = "db", .slots = 2, .description = "smaller"}));
  ASSERT_OK(store().SetPool({.name = "default_pool", .slots = 16, .description = "tuned"}));
  EXPECT_EQ(store().GetPool("db").value().slots, 2);
  auto pools = store().ListPools().value();
  ASSERT_EQ(pools.size(), 2u);
  EXPECT_EQ(pools[0].name, "db");
  EXPECT_EQ(pools[0].description, "smaller");
  EXPECT_EQ(pools[1].name, "default_pool");
  EXPECT_EQ(pools[1].slots, 16);

  EXPECT_ERROR(store().DeletePool("default_pool"), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(store().GetPool("default_pool").value().slots, 16);
  ASSERT_OK(store().DeletePool("db"));
  EXPECT_ERROR(store().GetPool("db"), ErrorCode::kNotFound);
  EXPECT_ERROR(store().DeletePool("db"), ErrorCode::kNotFound);
  // Migrating again does not reset a tuned default pool: MetadataStoreTest (Migrate() is the
  // schema's, not this role's).
}

WEIR_STORE_SUITE(ConfigStoreTest);

}  // namespace
}  // namespace weir
