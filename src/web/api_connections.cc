// /connections: Airflow's connection endpoints. Role op for all of them (Airflow's Op role
// manages connections); secrets are write-only: no answer carries a password or a secret
// extra field's value (they read "***"), and a PATCH that sends "***" or leaves them out
// keeps the stored ones.
#include <array>
#include <cstdlib>

#include "base/ids.h"
#include "engine/connections.h"
#include "env/seal_keys.h"
#include "ops/connection_check.h"
#include "web/api_internal.h"

namespace weir {

namespace {

constexpr std::string_view kHidden = "***";

std::string SourceOf(const std::string& conn_id) {
  std::string env = ConnectionEnvName(conn_id);
  return std::getenv(env.c_str()) != nullptr ? env : "database";
}

// A connection as answers show it: every field but the secrets' values.
Json ConnectionAnswer(const Connection& c, const std::string& source) {
  Json j = ConnectionJson(c, false);
  j["connection_id"] = c.conn_id;
  j["password_set"] = !c.password.empty();
  j["source"] = source;
  j.erase("password");
  for (const char* field : {"description", "host", "schema", "login"}) {
    if (!j.contains(field)) j[field] = "";
  }
  if (!j.contains("port")) j["port"] = nullptr;
  if (!j.contains("extra")) j["extra"] = Json::object();
  return j;
}

Result<Json> ListConnectionsJson(ApiCtx& c) {
  std::map<std::string, Json> all;
  std::optional<Result<SealKeyRing>> ring;
  for (const StoredConnection& s : TRY(c.store.ListConnections())) {
    // Opened when the keys are at hand, so that the list names the secret extra fields that
    // are set (as ***), as one connection's answer does.
    Connection conn = ConnectionWithoutSecrets(s);
    bool opened = s.sealed.empty();
    if (!opened) {
      if (!ring) ring = LoadSealKeys(c.config.secret_key_file);
      auto open =
          *ring ? OpenConnection(s, **ring) : Result<Connection>(std::unexpected(ring->error()));
      if (open) {
        conn = std::move(*open);
        opened = true;
      }
    }
    Json j = ConnectionAnswer(conn, "database");
    if (!opened) j["password_set"] = true;  // sealed, with keys not at hand: something is set
    all[s.conn_id] = std::move(j);
  }
  for (const EnvConnection& e : TRY(EnvironmentConnections())) {
    all[e.connection.conn_id] = ConnectionAnswer(e.connection, e.env_name);
  }
  std::vector<Json> rows;
  rows.reserve(all.size());
  for (auto& [id, j] : all) rows.push_back(std::move(j));
  return PageOf(rows, TRY(Page(c.req)), "connections", [](const Json& j) { return j; });
}

// The body's fields over `base` (a PATCH keeps what the body leaves out; "***" keeps a
// secret). `conn_type` is required when there is no base.
Result<Connection> Merged(const Json& body, Connection base, bool create) {
  static constexpr std::array<std::string_view, 10> kFields = {
      "connection_id", "conn_id", "conn_type", "description", "host",
      "schema",        "login",   "password",  "port",        "extra"};
  for (const auto& [key, value] : body.items()) {
    if (std::ranges::find(kFields, key) == kFields.end()) {
      return Err(ErrorCode::kInvalidArgument,
                 "unknown field '{}' (known: connection_id, conn_type, description, host, schema, "
                 "login, password, port, extra)",
                 key);
    }
  }
  auto text = [&](const char* name, std::string& field) -> Status {
    if (body.contains(name) && !body[name].is_null()) field = TRY(StringField(body, name, false));
    return {};
  };
  TRY(text("conn_type", base.conn_type));
  TRY(text("description", base.description));
  TRY(text("host", base.host));
  TRY(text("schema", base.schema));
  TRY(text("login", base.login));
  std::string password = base.password;
  TRY(text("password", password));
  if (password != kHidden) base.password = password;
  if (body.contains("port")) {
    if (body["port"].is_null()) {
      base.port.reset();
    } else {
      base.port = static_cast<int>(TRY(IntField(body, "port", 0, 65535, std::nullopt)));
    }
  }
  if (body.contains("extra") && !body["extra"].is_null()) {
    Json probe = {{"conn_type", base.conn_type.empty() ? "x" : base.conn_type},
                  {"extra", body["extra"]}};
    Json extra = TRY(ParseConnectionJson(probe, "'extra'")).extra;
    for (auto& [k, v] : extra.items()) {
      if (v.is_string() && v.get<std::string>() == kHidden && base.extra.contains(k)) {
        v = base.extra[k];  // a secret the form showed as *** and sent back unchanged
      }
    }
    base.extra = std::move(extra);
  }
  if (create && base.conn_type.empty()) {
    return Err(ErrorCode::kInvalidArgument, "'conn_type' is required (e.g. \"aws\", \"http\")");
  }
  return base;
}

Result<Json> CreateConnection(ApiCtx& c) {
  Json body = TRY(BodyObject(c));
  std::string id = TRY(StringField(body, "connection_id", false));
  if (id.empty()) id = TRY(StringField(body, "conn_id", false));
  if (id.empty()) return Err(ErrorCode::kInvalidArgument, "'connection_id' is required");
  TRY(CheckId(IdKind::kConnection, id));
  auto existing = c.store.GetConnection(id);
  if (existing) {
    return Err(ErrorCode::kAlreadyExists, "connection '{}' exists already: PATCH it to change it",
               id);
  }
  if (existing.error().code != ErrorCode::kNotFound) return std::unexpected(existing.error());
  Connection conn = TRY(Merged(body, Connection{}, true));
  conn.conn_id = id;
  TRY(Audited(c).SetConnection(conn, c.config.secret_key_file));
  return ConnectionAnswer(conn, SourceOf(id));
}

Result<Json> PatchConnection(ApiCtx& c, const std::string& id) {
  Json body = TRY(BodyObject(c));
  StoredConnection stored = TRY(c.store.GetConnection(id));
  Connection base = ConnectionWithoutSecrets(stored);
  if (!stored.sealed.empty()) {
    base = TRY(OpenConnection(stored, TRY(LoadSealKeys(c.config.secret_key_file))));
  }
  Connection conn = TRY(Merged(body, std::move(base), false));
  conn.conn_id = id;
  TRY(Audited(c).SetConnection(conn, c.config.secret_key_file));
  return ConnectionAnswer(conn, SourceOf(id));
}

Result<Json> GetConnectionJson(ApiCtx& c, const std::string& id) {
  Connection conn = TRY(FindConnection(c.store, c.config.secret_key_file, id));
  return ConnectionAnswer(conn, SourceOf(id));
}

// Airflow's test: {"status": true|false, "message": ...}; a failed check is an answer, not
// an error (the connection exists; it does not work).
Result<Json> TestConnection(ApiCtx& c, const std::string& id) {
  Connection conn = TRY(FindConnection(c.store, c.config.secret_key_file, id));
  auto seen = CheckConnection(conn);
  return Json{{"status", seen.has_value()}, {"message", seen ? *seen : seen.error().message}};
}

}  // namespace

std::optional<Result<Json>> RouteConnections(ApiCtx& c, const std::vector<std::string>& s) {
  if (s.empty() || s[0] != "connections") return std::nullopt;
  const std::string& m = c.req.method;
  size_t n = s.size();
  if (n == 1 && m == "GET") return ListConnectionsJson(c);
  if (n == 1 && m == "POST") return CreateConnection(c);
  if (n == 2 && m == "GET") return GetConnectionJson(c, s[1]);
  if (n == 2 && m == "PATCH") return PatchConnection(c, s[1]);
  if (n == 2 && m == "DELETE") return Deleted(Audited(c).DeleteConnection(s[1]), s[1]);
  if (n == 3 && s[2] == "test" && m == "POST") return TestConnection(c, s[1]);
  return std::nullopt;
}

}  // namespace weir
