#include "store/postgres/postgres_store.h"

#include <utility>

#include "store/postgres/pg_connection.h"
#include "store/postgres/pg_schema.h"

namespace weir {

Result<std::unique_ptr<PostgresStore>> PostgresStore::Open(const std::string& url,
                                                           PostgresStoreOptions options) {
  auto db = TRY(postgres::Connection::Open(
      url, postgres::ConnectionOptions{.lock_timeout_ms = options.lock_timeout_ms,
                                       .connect_timeout_s = options.connect_timeout_s}));
  TRY(sql::CheckSchemaNotNewer(*db, postgres::Schema()));
  return std::unique_ptr<PostgresStore>(
      new PostgresStore(std::move(db), postgres::Schema(), std::move(options.now)));
}

}  // namespace weir
