#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "auth/password.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store_test_fixture.h"

namespace weir {

// A fresh, migrated SQLite store in a temporary directory per test.
class AuthTest : public ::testing::Test {
 protected:
  static constexpr std::string_view kPassword = "correct horse battery";

  void SetUp() override {
    auto opened = SqliteStore::Open(dir_.Join("weir.db"));
    ASSERT_TRUE(opened.has_value()) << opened.error().message;
    store_ = std::move(*opened);
    auto migrated = store_->Migrate();
    ASSERT_TRUE(migrated.has_value()) << migrated.error().message;
  }

  // The hash of kPassword, made once per test binary: argon2id takes ~50 ms a hash.
  static const std::string& PasswordHash() {
    static const std::string kHash = HashPassword(kPassword).value();
    return kHash;
  }

  // Creates `username` with kPassword; returns its id.
  int64_t MakeUser(const std::string& username, const std::string& role = "op") {
    User u;
    u.username = username;
    u.role = role;
    u.password_hash = PasswordHash();
    auto id = store_->CreateUser(u);
    EXPECT_TRUE(id.has_value()) << id.error().message;
    return id.value_or(0);
  }

  MetadataStore& store() { return *store_; }

  TempDir dir_;
  std::unique_ptr<SqliteStore> store_;
};

}  // namespace weir
