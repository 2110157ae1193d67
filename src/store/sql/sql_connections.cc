// Connections: the connection table (migration 12).
#include <fmt/format.h>

#include "base/ids.h"
#include "store/sql/rows.h"
#include "store/sql/sql_store.h"

namespace weir {

using sql::Statement;

namespace {

constexpr std::string_view kConnectionColumns =
    "conn_id, conn_type, description, host, schema_name, login, port, extra, sealed, updated_at";

Result<StoredConnection> ReadConnection(const Statement& s) {
  StoredConnection c{.conn_id = s.Text(0),
                     .conn_type = s.Text(1),
                     .description = s.Text(2),
                     .host = s.Text(3),
                     .schema = s.Text(4),
                     .login = s.Text(5),
                     .port = std::nullopt,
                     .extra = Json::object(),
                     .sealed = s.Text(8),
                     .updated_at = FromMicros(s.Int64(9))};
  if (!s.IsNull(6)) c.port = s.Int(6);
  c.extra = TRY(ParseJson(s.Text(7), "connection " + c.conn_id + " extra"));
  return c;
}

}  // namespace

Status SqlStore::SetConnection(const StoredConnection& c) {
  TRY(CheckId(IdKind::kConnection, c.conn_id));
  static const std::string sql =
      fmt::format("INSERT INTO connection ({}) VALUES ({}) ON CONFLICT (conn_id) DO UPDATE SET {}",
                  kConnectionColumns, sql::Placeholders(kConnectionColumns),
                  sql::ExcludedAssignments(kConnectionColumns, 1));
  auto upsert = TRY(db_->Prepare(sql));
  upsert.Bind(1, c.conn_id)
      .Bind(2, c.conn_type)
      .Bind(3, c.description)
      .Bind(4, c.host)
      .Bind(5, c.schema)
      .Bind(6, c.login)
      .Bind(7, c.port ? std::optional<int64_t>(*c.port) : std::nullopt)
      .Bind(8, c.extra.dump())
      .Bind(9, c.sealed);
  sql::BindTime(upsert, 10, Now());
  return upsert.Run();
}

Result<StoredConnection> SqlStore::GetConnection(const std::string& conn_id) {
  static const std::string sql =
      fmt::format("SELECT {} FROM connection WHERE conn_id = ?1", kConnectionColumns);
  auto select = TRY(db_->Prepare(sql));
  select.Bind(1, conn_id);
  auto c = TRY(sql::FirstRow(select, ReadConnection));
  if (!c.has_value()) return Err(ErrorCode::kNotFound, "no connection named '{}'", conn_id);
  return *std::move(c);
}

Result<std::vector<StoredConnection>> SqlStore::ListConnections() {
  static const std::string sql =
      fmt::format("SELECT {} FROM connection ORDER BY conn_id", kConnectionColumns);
  auto select = TRY(db_->Prepare(sql));
  return sql::CollectRows(select, ReadConnection);
}

Status SqlStore::DeleteConnection(const std::string& conn_id) {
  auto remove = TRY(db_->Prepare("DELETE FROM connection WHERE conn_id = ?1"));
  TRY(remove.Bind(1, conn_id).Run());
  if (db_->Changes() == 0) return Err(ErrorCode::kNotFound, "no connection named '{}'", conn_id);
  return {};
}

}  // namespace weir
