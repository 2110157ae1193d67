#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "base/time.h"
#include "env/temp_dir.h"
#include "store/metadata_store.h"

namespace weir {

// How the suite gets a store of one implementation: open a new, empty database whose
// files (if any) live in `dir`.
struct StoreFactory {
  std::string name;
  std::function<Result<std::unique_ptr<MetadataStore>>(const std::string& dir)> open;
};
inline void PrintTo(const StoreFactory& factory, std::ostream* os) { *os << factory.name; }

// The suite every MetadataStore implementation passes. Each test gets a fresh, migrated store.
class MetadataStoreTest : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    auto opened = GetParam().open(dir_.path());
    ASSERT_TRUE(opened.has_value()) << opened.error().message;
    store_ = std::move(*opened);
    auto migrated = store_->Migrate();
    ASSERT_TRUE(migrated.has_value()) << migrated.error().message;
  }

  MetadataStore& store() { return *store_; }

  TempDir dir_;
  std::unique_ptr<MetadataStore> store_;
};

inline Time Utc(const char* text) { return ParseDateTime(text).value(); }

}  // namespace weir

// EXPECT_OK(status_or_result): the message of a failure is printed.
#define EXPECT_OK(expr)                                            \
  do {                                                             \
    auto&& weir_ok_ = (expr);                                      \
    EXPECT_TRUE(weir_ok_.has_value()) << weir_ok_.error().message; \
  } while (0)
#define ASSERT_OK(expr)                                            \
  do {                                                             \
    auto&& weir_ok_ = (expr);                                      \
    ASSERT_TRUE(weir_ok_.has_value()) << weir_ok_.error().message; \
  } while (0)
// EXPECT_ERROR(expr, ErrorCode::kNotFound): fails (without returning) unless expr is that error.
#define EXPECT_ERROR(expr, expected_code)                                                \
  do {                                                                                   \
    auto&& weir_err_ = (expr);                                                           \
    if (weir_err_.has_value()) {                                                         \
      ADD_FAILURE() << #expr << " succeeded; expected " << ErrorCodeName(expected_code); \
    } else {                                                                             \
      EXPECT_EQ(weir_err_.error().code, expected_code) << weir_err_.error().message;     \
    }                                                                                    \
  } while (0)
