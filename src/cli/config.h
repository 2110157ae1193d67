#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/time.h"

namespace weir {

// weir's configuration: $WEIR_HOME/weir.yaml, then environment overrides. Relative paths in
// the file are relative to the home folder.
struct Config {
  std::string home;         // $WEIR_HOME, default ~/weir
  std::string config_file;  // <home>/weir.yaml
  std::string dags_folder;  // dags_folder, default <home>/dags
  std::string logs_folder;  // logs_folder, default <home>/logs
  // remote_logs: a lake URI where workers also keep tries' logs (engine/remote_logs.h); "": off.
  std::string remote_logs;
  std::string work_folder;  // work_folder, default <home>/work: tasks' scratch files
  std::string database;     // database, default sqlite:///<home>/weir.db
  std::string lake;         // lake, default file://<home>/lake: where lake:// URIs point
  // lake_conn_id: the connection of a lake in a cloud store; "": the scheme's default.
  std::string lake_conn_id;
  std::string warehouse;        // warehouse, default <home>/warehouse.duckdb: DuckDB warehouse
  std::string secret_key_file;  // secret_key_file, default <home>/secret.key (env/seal_keys.h)
  // DuckDB inside tasks (csv_to_parquet, external_table, sql) and `weir query`.
  std::string duckdb_memory_limit = "1GB";               // duckdb_memory_limit
  int duckdb_threads = 2;                                // duckdb_threads; 0: one per core
  std::string duckdb_extension_directory;                // duckdb_extension_directory; "": none
  int parallelism = 32;                                  // parallelism: attempts running at once
  std::string executor = "local";                        // executor: local or redis
  std::string redis_url = "redis://127.0.0.1:6379/0";    // redis_url: the redis executor's
  Duration worker_claim_ttl = std::chrono::seconds{20};  // worker_claim_ttl
  // The web server (REST API): where it listens.
  std::string webserver_host = "127.0.0.1";  // webserver_host
  int webserver_port = 8080;                 // webserver_port
  int webserver_threads = 64;                // webserver_threads: request threads
  int webserver_max_body_bytes = 1 << 20;    // webserver_max_body_bytes: 413 beyond
  // webserver_secure_cookies: "false", "true" (always Secure) or "forwarded" (Secure when
  // X-Forwarded-Proto says https).
  std::string webserver_secure_cookies = "false";
  Duration heartbeat_interval = std::chrono::seconds{5};
  std::string keep_work_folders = "failed";  // keep_work_folders: failed, always or never
  std::optional<Duration> retention;         // retention: finished runs older go; unset: kept
  std::optional<Duration> audit_retention;   // audit_retention: older audit events go; unset: kept
  // The process's own diagnostics on stderr (base/log.h), not task logs or command output.
  std::string log_level = "info";   // log_level: debug, info, warning or error
  std::string log_format = "text";  // log_format: text or json (one object per line)

  // Where each setting's value came from, in the order of Settings() (cli/settings.h):
  // "default", "<weir.yaml>:<line>" or the environment variable's name.
  struct Source {
    std::string key;
    std::string value;  // as given (paths before they are made absolute); empty: unset
    std::string from;
  };
  std::vector<Source> sources;

  std::string wake_file() const;  // <home>/run/scheduler.wake
  std::string lock_file() const;  // <home>/run/scheduler.lock
};

// Reads the configuration through the settings table (cli/settings.h): defaults, then
// weir.yaml, then the environment (WEIR_HOME and each setting's variable). A missing
// weir.yaml gives the defaults; a broken one, an unknown key or a bad value is an error
// naming the file, line and key (or the environment variable). On success it also makes this
// process log (base/log.h) at its log_level, in its log_format.
Result<Config> LoadConfig();

// The weir.yaml written into a fresh home, with every setting and its default.
std::string DefaultConfigText();

}  // namespace weir
