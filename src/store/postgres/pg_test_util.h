#pragma once

#include <cstdlib>
#include <fstream>
#include <random>
#include <string>

#include "base/status.h"
#include "store/postgres/pg_connection.h"

namespace weir {

// The URL of the PostgreSQL server the tests share: WEIR_TEST_POSTGRES_URL, or the one
// tests/fixtures/postgres.py --start wrote into WEIR_POSTGRES_STATE/url (ctest's fixture
// "postgres" starts it before the first test that needs it).
inline Result<std::string> TestPostgresServer() {
  if (const char* url = std::getenv("WEIR_TEST_POSTGRES_URL"); url != nullptr && *url != '\0') {
    return std::string(url);
  }
  const char* state = std::getenv("WEIR_POSTGRES_STATE");
  std::string url;
  if (state != nullptr && *state != '\0') {
    std::ifstream in(std::string(state) + "/url");
    std::getline(in, url);
  }
  if (url.empty()) {
    return Err(ErrorCode::kFailedPrecondition,
               "no PostgreSQL for the tests: run them through ctest (its fixture starts one "
               "with tests/fixtures/postgres.py), or set WEIR_TEST_POSTGRES_URL");
  }
  return url;
}

// A URL on the tests' server whose tables live in a new, empty schema of their own, so that
// tests never see each other's rows.
inline Result<std::string> FreshPostgresSchema() {
  std::string server = TRY(TestPostgresServer());
  std::random_device random;
  std::string schema = "t_" + std::to_string(random()) + "_" + std::to_string(random() & 0xffffU);
  auto admin = TRY(postgres::Connection::Open(server, {}));
  TRY(admin->Exec("CREATE SCHEMA " + schema));
  return server + (server.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" +
         schema;
}

}  // namespace weir
