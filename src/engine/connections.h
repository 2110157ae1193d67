#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/sealed.h"
#include "model/connection.h"
#include "store/metadata_store.h"

namespace weir {

// Connections as tasks, templates, the CLI and the API see them: defined by a WEIR_CONN_<ID>
// environment variable (which wins, as AIRFLOW_CONN_<ID> does in Airflow) or stored in the
// metadata database with their secrets sealed (base/sealed.h) by the keys of
// `key_file` / WEIR_SECRET_KEY (env/seal_keys.h). docs/connections.md is the user's guide.

// What a connection's sealed part is bound to: a sealed value opens only on its own row.
std::string ConnectionSealContext(std::string_view conn_id);

// The stored form: the password and the sensitive extra fields sealed with the ring's first
// key, the rest in clear.
Result<StoredConnection> SealConnection(const Connection& c, const SealKeyRing& ring);
// The connection back, its secrets opened.
Result<Connection> OpenConnection(const StoredConnection& stored, const SealKeyRing& ring);
// A stored connection without opening it: secrets left empty (for lists).
Connection ConnectionWithoutSecrets(const StoredConnection& stored);

// Connection `conn_id`: WEIR_CONN_<ID> when set, else the store. kNotFound names both.
Result<Connection> FindConnection(ConfigStore& store, const std::string& key_file,
                                  std::string_view conn_id);

// The connections defined by WEIR_CONN_* environment variables, by id (lower-cased, as
// Airflow reads AIRFLOW_CONN_*), with the variable each came from. One that does not parse is
// an error naming its variable.
struct EnvConnection {
  std::string env_name;
  Connection connection;
};
Result<std::vector<EnvConnection>> EnvironmentConnections();

// Every secret the connections hold (stored ones and WEIR_CONN_* ones), for the masker. A
// stored connection that the keys at hand cannot open is left out: nothing in this process
// can learn its secrets either.
Result<std::vector<std::string>> ConnectionSecretValues(ConfigStore& store,
                                                        const std::string& key_file);

// `weir connections rotate-key`: seals every stored connection with a new key, in an order
// that a crash at any point cannot break. With a key file: (1) the file gets the new key first
// with the old ones after it, (2) every connection is sealed again in one transaction, (3) the
// file keeps only the new key. A crash after (1) or (2) leaves a ring that opens every row;
// running the command again finishes. With WEIR_SECRET_KEY the variable is the user's to
// change: put the new key first, run this to seal everything with it, then drop the old ones.
struct KeyRotation {
  std::string old_key_id;  // the key that sealed before ("" when none was in use)
  std::string new_key_id;
  int resealed = 0;
  bool from_environment = false;
};
// `in_transaction` runs `reseal` (which writes the connections sealed again and counts them
// in r.resealed) in a transaction of the caller's, which AuditedActions records the rotation
// in.
Result<KeyRotation> RotateConnectionKey(
    ConfigStore& store, const std::string& key_file,
    const std::function<Status(const std::function<Status()>& reseal, const KeyRotation& r)>&
        in_transaction);

}  // namespace weir
