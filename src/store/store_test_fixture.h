#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "base/time.h"
#include "env/temp_dir.h"
#include "store/metadata_store.h"

namespace weir {

// How the suites get a store of one implementation: open a new, empty database whose
// files (if any) live in `dir`.
struct StoreFactory {
  std::string name;
  std::function<Result<std::unique_ptr<MetadataStore>>(const std::string& dir)> open;
};
inline void PrintTo(const StoreFactory& factory, std::ostream* os) { *os << factory.name; }

// One factory per implementation (at the bottom of metadata_store_test.cc). Every role's suite
// runs against each; a PostgreSQL store adds its factory there and passes the same suites.
std::vector<StoreFactory> StoreFactories();

// The suite of one role of the store (RunStore, DagStore, ... from metadata_store.h), run
// against every implementation. Each test gets a fresh, migrated store and sees it only
// through `Role`, so a suite tests exactly what its role promises.
template <class Role>
class StoreSuite : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    auto opened = GetParam().open(dir_.path());
    ASSERT_TRUE(opened.has_value()) << opened.error().message;
    store_ = std::move(*opened);
    auto migrated = store_->Migrate();
    ASSERT_TRUE(migrated.has_value()) << migrated.error().message;
  }

  Role& store() { return *store_; }

  TempDir dir_;

 private:
  std::unique_ptr<MetadataStore> store_;
};

using RunStoreTest = StoreSuite<RunStore>;
using DagStoreTest = StoreSuite<DagStore>;
using CatalogStoreTest = StoreSuite<CatalogStore>;
using AuthStoreTest = StoreSuite<AuthStore>;
using JobStoreTest = StoreSuite<JobStore>;
using ConfigStoreTest = StoreSuite<ConfigStore>;
using AuditStoreTest = StoreSuite<AuditStore>;
// What belongs to no single role: the schema, and transactions that span roles.
using MetadataStoreTest = StoreSuite<MetadataStore>;

inline Time Utc(const char* text) { return ParseDateTime(text).value(); }

// A DAG row with every field set (for the DAG suite and the transaction tests).
inline DagRow MakeDag(const std::string& id) {
  return DagRow{.dag_id = id,
                .fileloc = "/dags/" + id + ".yaml",
                .is_paused = false,
                .is_active = true,
                .latest_version_id = 0,
                .description = "the " + id + " DAG",
                .schedule = "@daily",
                .timezone = "Europe/Berlin",
                .owner = "data",
                .tags = {"etl", "daily"},
                .last_parsed_at = Utc("2024-03-01T10:00:00Z")};
}

}  // namespace weir

// Runs the suite `fixture` (RunStoreTest, ...) against every implementation, each test named
// after its factory: Stores/RunStoreTest.CreateRunStoresTheRunAndItsTaskInstances/SqliteFile.
#define WEIR_STORE_SUITE(fixture)                                                          \
  INSTANTIATE_TEST_SUITE_P(Stores, fixture, ::testing::ValuesIn(::weir::StoreFactories()), \
                           [](const auto& info) { return info.param.name; })

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
