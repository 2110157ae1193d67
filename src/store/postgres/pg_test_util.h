#pragma once

#include <random>
#include <string>

#include "base/status.h"
#include "env/server_test_util.h"
#include "store/postgres/pg_connection.h"

namespace weir {

// The PostgreSQL server the tests share (WEIR_TEST_POSTGRES_URL, or ctest's fixture
// "postgres").
inline Result<std::string> TestPostgresServer() {
  return TestServerUrl("WEIR_TEST_POSTGRES_URL", "WEIR_POSTGRES_STATE", "postgres");
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
