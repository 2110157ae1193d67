#include "cli/config.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include <yaml-cpp/yaml.h>

#include "base/strings.h"

namespace weir {

namespace fs = std::filesystem;

namespace {

std::string Resolve(const std::string& home, const std::string& path) {
  if (path.empty()) return path;
  if (path[0] == '~') {
    const char* h = std::getenv("HOME");
    return std::string(h ? h : "") + path.substr(1);
  }
  if (fs::path(path).is_absolute()) return path;
  return (fs::path(home) / path).lexically_normal().string();
}

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

Result<int> EnvNumber(std::string_view name, const std::string& value) {
  try {
    size_t used = 0;
    int n = std::stoi(value, &used);
    if (used == value.size()) return n;
  } catch (const std::exception&) {
  }
  return Err(ErrorCode::kInvalidArgument, "{} must be a whole number, got '{}'", name, value);
}

}  // namespace

std::string Config::wake_file() const {
  return (fs::path(home) / "run" / "scheduler.wake").string();
}
std::string Config::lock_file() const {
  return (fs::path(home) / "run" / "scheduler.lock").string();
}

std::string DefaultConfigText() {
  return R"(# weir configuration. Relative paths are relative to this file's folder.
# Environment variables override these: WEIR_DAGS_FOLDER, WEIR_LOGS_FOLDER, WEIR_DATABASE,
# WEIR_LAKE, WEIR_WAREHOUSE, WEIR_PARALLELISM, WEIR_DUCKDB_MEMORY_LIMIT, WEIR_DUCKDB_THREADS.

# Where DAG files (*.yaml) live. weir reloads them when they change.
dags_folder: dags
# One log file per attempt: logs/<dag_id>/<run_id>/<task_id>/attempt-<n>.log
logs_folder: logs
# Scratch files of tasks (downloads, conversions): work/<dag_id>/<run_id>/<task_id>/
work_folder: work
# The metadata database: sqlite:///absolute/path.db, or a path relative to this folder.
database: weir.db
# The default lake, where lake://<key> URIs point: file:///absolute/path, or a folder.
lake: lake
# The DuckDB warehouse that external_table, sql and `weir query` use.
warehouse: warehouse.duckdb
# DuckDB inside a task (csv_to_parquet, external_table, sql): memory it may use before it
# spills to disk, and threads (0: one per core).
duckdb_memory_limit: 1GB
duckdb_threads: 2
# How many attempts may run at once.
parallelism: 32
# The web server (weir webserver): the address and port it listens on. 0.0.0.0 makes it
# reachable from other machines.
webserver_host: 127.0.0.1
webserver_port: 8080
# Its request threads: each serves one connection at a time (the others wait their turn), so
# raise it beyond 64 for more clients at once; every thread may keep a database connection.
webserver_threads: 64
# The largest request body it accepts (a trigger's conf, a variable): larger ones get 413.
webserver_max_body_bytes: 1048576
# The Secure attribute of the session cookie, so browsers send it over HTTPS only: false
# (weir itself serves plain HTTP), true (weir is reached only through a TLS proxy), or
# forwarded (Secure when the proxy's X-Forwarded-Proto header says https; only behind a proxy
# that sets it and that clients cannot bypass).
webserver_secure_cookies: false
# How often running attempts and the scheduler record a heartbeat (GET /api/v1/health calls
# the scheduler unhealthy after 30 s without one).
heartbeat_interval: 5s
# A task's work folder (work/<dag_id>/<run_id>/) is removed when its run ends: "failed"
# keeps the folders of failed runs (to look into), "always" keeps every one, "never" none.
keep_work_folders: failed
# Remove finished runs (with their task instances, tries, XCom, logs and work folders) once
# they ended this long ago; the scheduler checks hourly. Unset: keep everything (see
# `weir db clean` to do it by hand).
# retention: 90d
# Remove audit events (who triggered, cleared, marked or changed what) recorded this long
# ago; checked with retention. Unset: the audit log is kept for ever.
# audit_retention: 365d
)";
}

Result<Config> LoadConfig() {
  Config c;
  c.home = Env("WEIR_HOME");
  if (c.home.empty()) {
    std::string h = Env("HOME");
    c.home = (fs::path(h.empty() ? "/root" : h) / "weir").string();
  }
  c.home = fs::absolute(c.home).lexically_normal().string();
  c.config_file = (fs::path(c.home) / "weir.yaml").string();
  std::string dags = "dags", logs = "logs", work = "work", db = "weir.db", lake = "lake",
              warehouse = "warehouse.duckdb";
  std::error_code ec;
  if (fs::exists(c.config_file, ec)) {
    YAML::Node root;
    try {
      root = YAML::LoadFile(c.config_file);
    } catch (const YAML::Exception& e) {
      return Err(ErrorCode::kInvalidArgument, "{}:{}:{}: {}", c.config_file, e.mark.line + 1,
                 e.mark.column + 1, e.msg);
    }
    if (root && !root.IsNull()) {
      if (!root.IsMap()) {
        return Err(ErrorCode::kInvalidArgument, "{}: expected a map of settings", c.config_file);
      }
      static const std::vector<std::string> kKeys = {"dags_folder",
                                                     "logs_folder",
                                                     "work_folder",
                                                     "database",
                                                     "lake",
                                                     "parallelism",
                                                     "heartbeat_interval",
                                                     "warehouse",
                                                     "duckdb_memory_limit",
                                                     "duckdb_threads",
                                                     "webserver_host",
                                                     "webserver_port",
                                                     "webserver_threads",
                                                     "webserver_max_body_bytes",
                                                     "webserver_secure_cookies",
                                                     "keep_work_folders",
                                                     "retention",
                                                     "audit_retention"};
      for (const auto& kv : root) {
        std::string key = kv.first.as<std::string>();
        auto where = fmt::format("{}:{}:{}", c.config_file, kv.first.Mark().line + 1,
                                 kv.first.Mark().column + 1);
        if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end()) {
          return Err(ErrorCode::kInvalidArgument, "{}: unknown setting '{}'{}", where, key,
                     DidYouMean(key, kKeys));
        }
        try {
          if (key == "dags_folder") dags = kv.second.as<std::string>();
          if (key == "logs_folder") logs = kv.second.as<std::string>();
          if (key == "work_folder") work = kv.second.as<std::string>();
          if (key == "database") db = kv.second.as<std::string>();
          if (key == "lake") lake = kv.second.as<std::string>();
          if (key == "warehouse") warehouse = kv.second.as<std::string>();
          if (key == "duckdb_memory_limit") c.duckdb_memory_limit = kv.second.as<std::string>();
          if (key == "duckdb_threads") c.duckdb_threads = kv.second.as<int>();
          if (key == "parallelism") c.parallelism = kv.second.as<int>();
          if (key == "webserver_host") c.webserver_host = kv.second.as<std::string>();
          if (key == "webserver_port") c.webserver_port = kv.second.as<int>();
          if (key == "webserver_threads") c.webserver_threads = kv.second.as<int>();
          if (key == "webserver_max_body_bytes") {
            c.webserver_max_body_bytes = kv.second.as<int>();
          }
          if (key == "webserver_secure_cookies") {
            c.webserver_secure_cookies = kv.second.as<std::string>();
          }
          if (key == "keep_work_folders") c.keep_work_folders = kv.second.as<std::string>();
          if (key == "audit_retention") {
            c.audit_retention = TRY_CONTEXT(ParseDuration(kv.second.as<std::string>()), where);
          }
          if (key == "retention") {
            c.retention = TRY_CONTEXT(ParseDuration(kv.second.as<std::string>()), where);
          }
          if (key == "heartbeat_interval") {
            c.heartbeat_interval = TRY_CONTEXT(ParseDuration(kv.second.as<std::string>()), where);
          }
        } catch (const YAML::Exception& e) {
          return Err(ErrorCode::kInvalidArgument, "{}: bad value for '{}': {}", where, key, e.msg);
        }
      }
    }
  }
  if (auto v = Env("WEIR_DAGS_FOLDER"); !v.empty()) dags = v;
  if (auto v = Env("WEIR_LOGS_FOLDER"); !v.empty()) logs = v;
  if (auto v = Env("WEIR_DATABASE"); !v.empty()) db = v;
  if (auto v = Env("WEIR_LAKE"); !v.empty()) lake = v;
  if (auto v = Env("WEIR_WAREHOUSE"); !v.empty()) warehouse = v;
  if (auto v = Env("WEIR_DUCKDB_MEMORY_LIMIT"); !v.empty()) c.duckdb_memory_limit = v;
  if (auto v = Env("WEIR_PARALLELISM"); !v.empty())
    c.parallelism = TRY(EnvNumber("WEIR_PARALLELISM", v));
  if (auto v = Env("WEIR_DUCKDB_THREADS"); !v.empty()) {
    c.duckdb_threads = TRY(EnvNumber("WEIR_DUCKDB_THREADS", v));
  }
  if (auto v = Env("WEIR_WEBSERVER_HOST"); !v.empty()) c.webserver_host = v;
  if (auto v = Env("WEIR_WEBSERVER_PORT"); !v.empty()) {
    c.webserver_port = TRY(EnvNumber("WEIR_WEBSERVER_PORT", v));
  }
  if (auto v = Env("WEIR_WEBSERVER_THREADS"); !v.empty()) {
    c.webserver_threads = TRY(EnvNumber("WEIR_WEBSERVER_THREADS", v));
  }
  if (auto v = Env("WEIR_WEBSERVER_MAX_BODY_BYTES"); !v.empty()) {
    c.webserver_max_body_bytes = TRY(EnvNumber("WEIR_WEBSERVER_MAX_BODY_BYTES", v));
  }
  if (auto v = Env("WEIR_WEBSERVER_SECURE_COOKIES"); !v.empty()) c.webserver_secure_cookies = v;
  if (c.webserver_max_body_bytes < 1024 || c.webserver_max_body_bytes > (1 << 30)) {
    return Err(ErrorCode::kInvalidArgument,
               "webserver_max_body_bytes must be 1024 to 1073741824, got {}",
               c.webserver_max_body_bytes);
  }
  if (c.webserver_secure_cookies != "false" && c.webserver_secure_cookies != "true" &&
      c.webserver_secure_cookies != "forwarded") {
    return Err(ErrorCode::kInvalidArgument,
               "webserver_secure_cookies must be false, true or forwarded, got '{}'",
               c.webserver_secure_cookies);
  }
  if (c.webserver_threads < 1 || c.webserver_threads > 1024) {
    return Err(ErrorCode::kInvalidArgument, "webserver_threads must be 1 to 1024, got {}",
               c.webserver_threads);
  }
  if (c.webserver_port < 0 || c.webserver_port > 65535) {
    return Err(ErrorCode::kInvalidArgument, "webserver_port must be 0 to 65535, got {}",
               c.webserver_port);
  }
  if (c.duckdb_threads < 0) {
    return Err(ErrorCode::kInvalidArgument, "duckdb_threads must be 0 or more, got {}",
               c.duckdb_threads);
  }
  if (c.keep_work_folders != "failed" && c.keep_work_folders != "always" &&
      c.keep_work_folders != "never") {
    return Err(ErrorCode::kInvalidArgument,
               "keep_work_folders must be failed, always or never, got '{}'", c.keep_work_folders);
  }
  if (c.retention && *c.retention <= Duration::zero()) {
    return Err(ErrorCode::kInvalidArgument, "retention must be longer than 0");
  }
  if (c.audit_retention && *c.audit_retention <= Duration::zero()) {
    return Err(ErrorCode::kInvalidArgument, "audit_retention must be longer than 0");
  }
  if (c.parallelism < 1) {
    return Err(ErrorCode::kInvalidArgument, "parallelism must be at least 1, got {}",
               c.parallelism);
  }
  c.dags_folder = Resolve(c.home, dags);
  c.logs_folder = Resolve(c.home, logs);
  c.work_folder = Resolve(c.home, work);
  c.warehouse = Resolve(c.home, warehouse);
  c.lake = lake.find("://") != std::string::npos ? lake : "file://" + Resolve(c.home, lake);
  if (db.rfind("sqlite://", 0) == 0 || db.rfind("postgres", 0) == 0) {
    c.database = db;
  } else {
    c.database = "sqlite:///" + Resolve(c.home, db);
  }
  return c;
}

}  // namespace weir
