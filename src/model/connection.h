#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/status.h"

namespace weir {

// An Airflow connection: how to reach an outside system (an S3 bucket, a GCS project, an HTTP
// API, a database), with its credentials. Its three written forms are Airflow's, so that a
// connection exported from Airflow imports here and one set as AIRFLOW_CONN_<ID> works as
// WEIR_CONN_<ID>:
//   URI   type://login:password@host:port/schema?key=value&...  (parts percent-encoded;
//         `__extra__=<JSON>` carries a nested extra; a host holding "://" keeps its protocol:
//         http://https%3A%2F%2Fapi.example.com, or http://https://api.example.com)
//   JSON  {"conn_type": ..., "host": ..., "login": ..., "password": ..., "schema": ...,
//          "port": ..., "extra": {...} or "<JSON text>", "description": ...}
//   env   WEIR_CONN_<ID upper-cased>=<URI or JSON>
struct Connection {
  std::string conn_id;
  std::string conn_type;  // aws, google_cloud_platform, azure_blob, http, postgres, ...
  std::string description;
  std::string host;
  std::string schema;
  std::string login;
  std::string password;
  std::optional<int> port;
  Json extra = Json::object();  // always an object
};

// A connection's written form: at most 64 KiB (a service-account key is about 2.3 KiB).
inline constexpr size_t kMaxConnectionText = 64 * 1024;

// Parses the URI form. Errors name `where` (an environment variable, a file:line, "--uri").
Result<Connection> ParseConnectionUri(std::string_view uri, std::string_view where);
// Parses the JSON form (an object; "extra" may be an object or JSON text).
Result<Connection> ParseConnectionJson(const Json& json, std::string_view where);
// Either form: JSON when the text starts with '{'.
Result<Connection> ParseConnectionText(std::string_view text, std::string_view where);

// The URI form (what `weir connections get --uri` and export print); ParseConnectionUri reads
// it back to the same connection.
std::string ConnectionUri(const Connection& c);
// The JSON form (conn_id not included). `show_secrets` false: the password and the sensitive
// extra fields are "***".
Json ConnectionJson(const Connection& c, bool show_secrets);
// What a template sees as conn.<id>: Airflow's attributes, with extra as text and
// extra_dejson as an object.
Json ConnectionTemplateJson(const Connection& c);

// Airflow's rule for which extra fields hold secrets: the key contains (case-insensitive) one
// of access_token, api_key, apikey, authorization, passphrase, passwd, password, private_key,
// secret, token, keyfile_dict, service_account, credential, connection_string, sas, key_json
// or account_key.
bool IsSensitiveKey(std::string_view key);

// Every value a connection must never show: its password and each sensitive extra field's
// value (nested objects as compact JSON and each of their string leaves). Empty values left
// out.
std::vector<std::string> ConnectionSecrets(const Connection& c);

// The extra fields split by IsSensitiveKey: {public, secret}.
std::pair<Json, Json> SplitExtra(const Json& extra);

// "WEIR_CONN_" + the id upper-cased; the environment variable that defines connection `id`.
std::string ConnectionEnvName(std::string_view conn_id);
inline constexpr std::string_view kConnectionEnvPrefix = "WEIR_CONN_";

}  // namespace weir
