#include "engine/connections.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "base/ids.h"
#include "env/seal_keys.h"

extern char** environ;

namespace weir {

std::string ConnectionSealContext(std::string_view conn_id) {
  return "connection:" + std::string(conn_id);
}

Result<StoredConnection> SealConnection(const Connection& c, const SealKeyRing& ring) {
  TRY(CheckId(IdKind::kConnection, c.conn_id));
  auto [pub, secret] = SplitExtra(c.extra);
  StoredConnection s{.conn_id = c.conn_id,
                     .conn_type = c.conn_type,
                     .description = c.description,
                     .host = c.host,
                     .schema = c.schema,
                     .login = c.login,
                     .port = c.port,
                     .extra = std::move(pub),
                     .sealed = "",
                     .updated_at = {}};
  if (!c.password.empty() || !secret.empty()) {
    Json part = {{"password", c.password}, {"extra", std::move(secret)}};
    s.sealed = TRY(ring.Seal(part.dump(), ConnectionSealContext(c.conn_id)));
  }
  return s;
}

Connection ConnectionWithoutSecrets(const StoredConnection& stored) {
  return Connection{.conn_id = stored.conn_id,
                    .conn_type = stored.conn_type,
                    .description = stored.description,
                    .host = stored.host,
                    .schema = stored.schema,
                    .login = stored.login,
                    .password = "",
                    .port = stored.port,
                    .extra = stored.extra};
}

Result<Connection> OpenConnection(const StoredConnection& stored, const SealKeyRing& ring) {
  Connection c = ConnectionWithoutSecrets(stored);
  if (stored.sealed.empty()) return c;
  auto plain = ring.Open(stored.sealed, ConnectionSealContext(stored.conn_id));
  if (!plain) {
    return Err(plain.error().code, "connection '{}': its secrets cannot be opened: {}",
               stored.conn_id, plain.error().message);
  }
  Json part = TRY(ParseJson(*plain, "connection " + stored.conn_id));
  c.password = part.value("password", "");
  if (part.contains("extra") && part["extra"].is_object()) {
    for (const auto& [k, v] : part["extra"].items()) c.extra[k] = v;
  }
  return c;
}

Result<std::vector<EnvConnection>> EnvironmentConnections() {
  std::vector<EnvConnection> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    if (!entry.starts_with(kConnectionEnvPrefix)) continue;
    size_t eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    std::string name(entry.substr(0, eq));
    std::string id = name.substr(kConnectionEnvPrefix.size());
    std::ranges::transform(id, id.begin(), [](char ch) {
      return static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    });
    Connection c = TRY(ParseConnectionText(entry.substr(eq + 1), name));
    c.conn_id = id;
    out.push_back({std::move(name), std::move(c)});
  }
  std::ranges::sort(out, {}, [](const EnvConnection& e) { return e.connection.conn_id; });
  return out;
}

Result<Connection> FindConnection(ConfigStore& store, const std::string& key_file,
                                  std::string_view conn_id) {
  std::string env_name = ConnectionEnvName(conn_id);
  if (const char* text = std::getenv(env_name.c_str())) {
    Connection c = TRY(ParseConnectionText(text, env_name));
    c.conn_id = std::string(conn_id);
    return c;
  }
  auto stored = store.GetConnection(std::string(conn_id));
  if (!stored) {
    if (stored.error().code == ErrorCode::kNotFound) {
      return Err(ErrorCode::kNotFound,
                 "connection '{}' does not exist: add it with `weir connections add {} --uri "
                 "...` or set the environment variable {}",
                 conn_id, conn_id, env_name);
    }
    return std::unexpected(stored.error());
  }
  if (stored->sealed.empty()) return ConnectionWithoutSecrets(*stored);
  return OpenConnection(*stored, TRY(LoadSealKeys(key_file)));
}

Result<std::vector<std::string>> ConnectionSecretValues(ConfigStore& store,
                                                        const std::string& key_file) {
  std::vector<std::string> out;
  for (const EnvConnection& e : TRY(EnvironmentConnections())) {
    std::ranges::move(ConnectionSecrets(e.connection), std::back_inserter(out));
  }
  std::vector<StoredConnection> stored = TRY(store.ListConnections());
  bool any_sealed = std::ranges::any_of(stored, [](const auto& s) { return !s.sealed.empty(); });
  if (!any_sealed) return out;
  auto ring = LoadSealKeys(key_file);
  if (!ring) return out;  // no key here: nothing here can open them either
  for (const StoredConnection& s : stored) {
    auto c = OpenConnection(s, *ring);
    if (c) std::ranges::move(ConnectionSecrets(*c), std::back_inserter(out));
  }
  return out;
}

Result<KeyRotation> RotateConnectionKey(
    ConfigStore& store, const std::string& key_file,
    const std::function<Status(const std::function<Status()>& reseal, const KeyRotation& r)>&
        in_transaction) {
  KeyRotation r;
  r.from_environment = SealKeysFromEnvironment();
  std::vector<std::string> keys = TRY(ReadSealKeyTexts(key_file));
  if (!keys.empty())
    r.old_key_id = TRY(SealKeyRing::FromText({keys.front()}, key_file)).current_id();
  if (r.from_environment) {
    if (keys.empty()) return Err(ErrorCode::kInvalidArgument, "WEIR_SECRET_KEY is empty");
  } else {
    keys.insert(keys.begin(), SealKeyRing::NewKeyText());
    TRY(WriteSealKeyFile(key_file, keys));  // (1) new key first, old ones still open
  }
  SealKeyRing ring = TRY(LoadSealKeys(key_file));
  r.new_key_id = ring.current_id();
  auto reseal = [&]() -> Status {  // (2)
    r.resealed = 0;
    for (const StoredConnection& s : TRY(store.ListConnections())) {
      if (s.sealed.empty() || SealKeyRing::KeyIdOf(s.sealed) == r.new_key_id) continue;
      StoredConnection again = TRY(SealConnection(TRY(OpenConnection(s, ring)), ring));
      TRY(store.SetConnection(again));
      ++r.resealed;
    }
    return {};
  };
  TRY(in_transaction(reseal, r));
  if (!r.from_environment) TRY(WriteSealKeyFile(key_file, {keys.front()}));  // (3)
  return r;
}

}  // namespace weir
