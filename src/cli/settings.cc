#include "cli/settings.h"

#include <array>
#include <charconv>

#include <fmt/format.h>

#include "base/strings.h"
#include "base/time.h"
#include "base/url.h"

namespace weir {

namespace {

// `value` as a whole number from min to max; otherwise "<key> must be ..., got '<value>'".
Result<int> WholeNumber(std::string_view key, const std::string& value, int min, int max) {
  int n = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc{} || ptr != value.data() + value.size() || value.empty()) {
    return Err(ErrorCode::kInvalidArgument, "{} must be a whole number, got '{}'", key, value);
  }
  if (n < min || n > max) {
    if (max == INT32_MAX) {
      return Err(ErrorCode::kInvalidArgument, "{} must be at least {}, got {}", key, min, n);
    }
    return Err(ErrorCode::kInvalidArgument, "{} must be {} to {}, got {}", key, min, max, n);
  }
  return n;
}

Status OneOf(std::string_view key, const std::string& value,
             std::initializer_list<std::string_view> choices) {
  for (std::string_view c : choices) {
    if (value == c) return {};
  }
  std::vector<std::string> names(choices.begin(), choices.end());
  std::vector<std::string> head(names.begin(), names.end() - 1);
  return Err(ErrorCode::kInvalidArgument, "{} must be {} or {}, got '{}'{}", key, Join(head, ", "),
             names.back(), value, DidYouMean(value, names));
}

Status NotEmpty(std::string_view key, const std::string& value) {
  if (value.empty()) return Err(ErrorCode::kInvalidArgument, "{} must not be empty", key);
  return {};
}

constexpr int kMaxInt = INT32_MAX;

const std::array kSettings = std::to_array<Setting>({
    {"dags_folder", "dags", "WEIR_DAGS_FOLDER", "Where DAG files live.",
     "Where DAG files (*.yaml) live. weir reloads them when they change.",
     [](Config& c, const std::string& v) -> Status {
       TRY(NotEmpty("dags_folder", v));
       c.dags_folder = v;
       return {};
     },
     [](const Config& c) -> std::string { return c.dags_folder; }},
    {"logs_folder", "logs", "WEIR_LOGS_FOLDER", "Where try logs go.",
     "One log file per attempt: logs/<dag_id>/<run_id>/<task_id>/attempt-<n>.log",
     [](Config& c, const std::string& v) -> Status {
       TRY(NotEmpty("logs_folder", v));
       c.logs_folder = v;
       return {};
     },
     [](const Config& c) -> std::string { return c.logs_folder; }},
    {"remote_logs", "", "WEIR_REMOTE_LOGS",
     "Where every try's log is also kept, so that it outlives the machine that ran it "
     "(Airflow's remote logging): `file:///absolute/path` (a folder every machine mounts), "
     "`s3://bucket/prefix`, `gs://bucket/prefix` or `az://container/prefix`, reached through "
     "`lake_conn_id` as the lake is; a folder is relative to `$WEIR_HOME`. Workers send a log "
     "there every few seconds while its try runs and whole before they report its end, as "
     "`<dag_id>/<run_id>/<task_id>/attempt-<n>.log`; the API and `weir tasks logs` read it "
     "there when the log file is missing (docs/distributed.md). Unset: logs stay in "
     "`logs_folder` only.",
     "Where workers also send every try's log, so that it outlives the machine that ran it:\n"
     "file:///absolute/path, s3://bucket/prefix, gs://bucket/prefix or az://container/prefix\n"
     "(reached through lake_conn_id). The API and `weir tasks logs` read it there when the log\n"
     "file is missing. Unset: logs stay in logs_folder only.",
     [](Config& c, const std::string& v) -> Status {
       c.remote_logs = v;
       return {};
     },
     [](const Config& c) -> std::string { return c.remote_logs; }},
    {"work_folder", "work", "", "Tasks' scratch folders.",
     "Scratch files of tasks (downloads, conversions): work/<dag_id>/<run_id>/<task_id>/",
     [](Config& c, const std::string& v) -> Status {
       TRY(NotEmpty("work_folder", v));
       c.work_folder = v;
       return {};
     },
     [](const Config& c) -> std::string { return c.work_folder; }},
    {"database", "weir.db", "WEIR_DATABASE",
     "The metadata database: a path, `sqlite:///absolute/path.db`, or "
     "`postgresql://user:password@host:5432/database` (several schedulers, webservers and "
     "workers on one database: docs/distributed.md).",
     "The metadata database: sqlite:///absolute/path.db, a path relative to this folder, or\n"
     "postgresql://user:password@host:5432/database.",
     [](Config& c, const std::string& v) -> Status {
       TRY(NotEmpty("database", v));
       c.database = v;
       return {};
     },
     [](const Config& c) -> std::string { return UrlWithoutPassword(c.database); }},
    {"secret_key_file", "secret.key", "WEIR_SECRET_KEY_FILE",
     "The key file that seals connection secrets in the database (owner-only; made when the "
     "first connection is stored). `WEIR_SECRET_KEY` replaces it.",
     "The keys that seal connection secrets in the database (made on first use, owner-only).",
     [](Config& c, const std::string& v) -> Status {
       TRY(NotEmpty("secret_key_file", v));
       c.secret_key_file = v;
       return {};
     },
     [](const Config& c) -> std::string { return c.secret_key_file; }},
    {"parallelism", "32", "WEIR_PARALLELISM", "Tries running at once, at least 1.",
     "How many attempts may run at once.",
     [](Config& c, const std::string& v) -> Status {
       c.parallelism = TRY(WholeNumber("parallelism", v, 1, kMaxInt));
       return {};
     },
     [](const Config& c) -> std::string { return std::to_string(c.parallelism); }},
    {"executor", "local", "WEIR_EXECUTOR",
     "Where attempts run: `local` (child processes of the scheduler) or `redis` (queued on "
     "Redis for `weir worker` processes on any machine: docs/distributed.md).",
     "Where attempts run: local (children of the scheduler) or redis (weir worker processes).",
     [](Config& c, const std::string& v) -> Status {
       if (v != "local" && v != "redis") {
         return Err(ErrorCode::kInvalidArgument, "executor must be local or redis, not '{}'", v);
       }
       c.executor = v;
       return {};
     },
     [](const Config& c) -> std::string { return c.executor; }},
    {"redis_url", "redis://127.0.0.1:6379/0", "WEIR_REDIS_URL",
     "The Redis server of the `redis` executor and its workers: "
     "`redis://[:password@]host:port/db`.",
     "The Redis server of the redis executor and of weir worker.",
     [](Config& c, const std::string& v) -> Status {
       TRY(NotEmpty("redis_url", v));
       c.redis_url = v;
       return {};
     },
     [](const Config& c) -> std::string { return UrlWithoutPassword(c.redis_url); }},
    {"worker_claim_ttl", "20s", "",
     "How long a worker's claim on a try lasts without a heartbeat (workers renew it every "
     "quarter of it): a try whose worker stopped beating this long is failed and retried. The "
     "same on every scheduler and worker.",
     "How long a worker's claim on a try lasts without its heartbeat (the same everywhere).",
     [](Config& c, const std::string& v) -> Status {
       Duration d = TRY(ParseDuration(v));
       if (d < std::chrono::seconds(2)) {
         return Err(ErrorCode::kInvalidArgument, "worker_claim_ttl must be at least 2s");
       }
       c.worker_claim_ttl = d;
       return {};
     },
     [](const Config& c) -> std::string { return FormatDuration(c.worker_claim_ttl); }},
    {"lake", "lake", "WEIR_LAKE",
     "The default lake, where `lake://<key>` points: a folder (relative to `$WEIR_HOME`), "
     "`file:///absolute/path`, `s3://bucket/prefix`, `gs://bucket/prefix` or "
     "`az://container/prefix` (reached through `lake_conn_id`).",
     "The default lake, where lake://<key> URIs point: a folder, file:///absolute/path,\n"
     "s3://bucket/prefix, gs://bucket/prefix or az://container/prefix (reached through\n"
     "lake_conn_id).",
     [](Config& c, const std::string& v) -> Status {
       TRY(NotEmpty("lake", v));
       c.lake = v;
       return {};
     },
     [](const Config& c) -> std::string { return c.lake; }},
    {"lake_conn_id", "", "WEIR_LAKE_CONN_ID",
     "The connection a default lake in a cloud store is reached through (`weir connections "
     "add`, or `WEIR_CONN_<ID>`). Unset: the scheme's default, `aws_default` for `s3://`, "
     "`google_cloud_default` for `gs://`, `wasb_default` for `az://`. When no connection has "
     "the id, the provider's own chain: `AWS_*` variables and `~/.aws` profiles; "
     "`GOOGLE_APPLICATION_CREDENTIALS` and gcloud's credentials; `AZURE_STORAGE_*` variables.",
     "The connection a default lake in a cloud store is reached through. Unset: aws_default\n"
     "for s3://, google_cloud_default for gs://, wasb_default for az://; when no connection\n"
     "has the id, the provider's own chain (AWS_* variables and ~/.aws profiles, ...).",
     [](Config& c, const std::string& v) -> Status {
       c.lake_conn_id = v;
       return {};
     },
     [](const Config& c) -> std::string { return c.lake_conn_id; }},
    {"heartbeat_interval", "5s", "",
     "How often running tries and the scheduler itself record a heartbeat. `GET "
     "/api/v1/health` calls the scheduler unhealthy after 30 s without one, so keep it well "
     "under that.",
     "How often running attempts and the scheduler record a heartbeat (GET /api/v1/health "
     "calls\nthe scheduler unhealthy after 30 s without one).",
     [](Config& c, const std::string& v) -> Status {
       Duration d = TRY(ParseDuration(v));
       if (d <= Duration::zero()) {
         return Err(ErrorCode::kInvalidArgument, "heartbeat_interval must be longer than 0");
       }
       c.heartbeat_interval = d;
       return {};
     },
     [](const Config& c) -> std::string { return FormatDuration(c.heartbeat_interval); }},
    {"warehouse", "warehouse.duckdb", "WEIR_WAREHOUSE",
     "The DuckDB warehouse file that `external_table`, `sql` and `weir query` use.",
     "The DuckDB warehouse that external_table, sql and `weir query` use.",
     [](Config& c, const std::string& v) -> Status {
       TRY(NotEmpty("warehouse", v));
       c.warehouse = v;
       return {};
     },
     [](const Config& c) -> std::string { return c.warehouse; }},
    {"duckdb_extension_directory", "", "WEIR_DUCKDB_EXTENSION_DIRECTORY",
     "A folder of DuckDB extensions (relative to `$WEIR_HOME`), for the DuckDB warehouse over "
     "a cloud lake: `httpfs` reads `s3://` and `gs://`, `azure` reads `az://` "
     "(docs/lake.md). As DuckDB's `INSTALL` lays them out "
     "(`v1.4.4/linux_amd64/httpfs.duckdb_extension`) or directly in it. weir never downloads "
     "an extension. Unset: DuckDB reads local files only.",
     "DuckDB extensions for the warehouse over a cloud lake (httpfs for s3:// and gs://, azure\n"
     "for az://), as DuckDB's INSTALL lays them out; weir never downloads one.",
     [](Config& c, const std::string& v) -> Status {
       c.duckdb_extension_directory = v;
       return {};
     },
     [](const Config& c) -> std::string { return c.duckdb_extension_directory; }},
    {"duckdb_memory_limit", "1GB", "WEIR_DUCKDB_MEMORY_LIMIT",
     "How much memory DuckDB may use inside one task (`csv_to_parquet`, `lake_put` reading a "
     "file's schema, `external_table`, `sql`) before it spills to `work/.duckdb_tmp`, and in "
     "`weir query`. DuckDB's units: `512MB`, `2GB`.",
     "DuckDB inside a task (csv_to_parquet, external_table, sql): memory it may use before "
     "it\nspills to disk.",
     [](Config& c, const std::string& v) -> Status {
       TRY(NotEmpty("duckdb_memory_limit", v));
       c.duckdb_memory_limit = v;
       return {};
     },
     [](const Config& c) -> std::string { return c.duckdb_memory_limit; }},
    {"duckdb_threads", "2", "WEIR_DUCKDB_THREADS",
     "Threads DuckDB uses inside one task, and in `weir query`; 0 means one per core.",
     "Threads DuckDB uses inside one task (0: one per core).",
     [](Config& c, const std::string& v) -> Status {
       c.duckdb_threads = TRY(WholeNumber("duckdb_threads", v, 0, 1024));
       return {};
     },
     [](const Config& c) -> std::string { return std::to_string(c.duckdb_threads); }},
    {"webserver_host", "127.0.0.1", "WEIR_WEBSERVER_HOST",
     "The address `weir webserver` listens on; `0.0.0.0` for every interface.",
     "The web server (weir webserver): the address it listens on. 0.0.0.0 makes it "
     "reachable\nfrom other machines.",
     [](Config& c, const std::string& v) -> Status {
       TRY(NotEmpty("webserver_host", v));
       c.webserver_host = v;
       return {};
     },
     [](const Config& c) -> std::string { return c.webserver_host; }},
    {"webserver_port", "8080", "WEIR_WEBSERVER_PORT", "Its port; 0 takes any free port.",
     "Its port; 0 takes any free port.",
     [](Config& c, const std::string& v) -> Status {
       c.webserver_port = TRY(WholeNumber("webserver_port", v, 0, 65535));
       return {};
     },
     [](const Config& c) -> std::string { return std::to_string(c.webserver_port); }},
    {"webserver_threads", "64", "WEIR_WEBSERVER_THREADS",
     "Its request threads, 1 to 1024: how many requests are answered at once. Idle and slow "
     "connections hold no thread (one I/O thread reads requests and writes answers); each busy "
     "thread may keep a database connection open. A quarter of them at most may be log "
     "requests waiting for output (`?wait=`).",
     "Its request threads (1 to 1024): how many requests are answered at once; every busy "
     "thread\nmay keep a database connection.",
     [](Config& c, const std::string& v) -> Status {
       c.webserver_threads = TRY(WholeNumber("webserver_threads", v, 1, 1024));
       return {};
     },
     [](const Config& c) -> std::string { return std::to_string(c.webserver_threads); }},
    {"webserver_max_body_bytes", "1048576", "WEIR_WEBSERVER_MAX_BODY_BYTES",
     "The largest request body the web server accepts, 1024 to 1073741824; a larger one gets "
     "413 before it is read. A trigger's `conf` must fit in it.",
     "The largest request body it accepts (a trigger's conf, a variable): larger ones get 413.",
     [](Config& c, const std::string& v) -> Status {
       c.webserver_max_body_bytes = TRY(WholeNumber("webserver_max_body_bytes", v, 1024, 1 << 30));
       return {};
     },
     [](const Config& c) -> std::string { return std::to_string(c.webserver_max_body_bytes); }},
    {"webserver_secure_cookies", "false", "WEIR_WEBSERVER_SECURE_COOKIES",
     "The `Secure` attribute of the session cookie (browsers then send it over HTTPS only): "
     "`false` (weir itself serves plain HTTP), `true` (weir is reached only through a TLS "
     "proxy), or `forwarded` (Secure when the request's `X-Forwarded-Proto` is `https`; only "
     "behind a proxy that sets that header and that clients cannot reach around).",
     "The Secure attribute of the session cookie, so browsers send it over HTTPS only: false\n"
     "(weir itself serves plain HTTP), true (weir is reached only through a TLS proxy), or\n"
     "forwarded (Secure when the proxy's X-Forwarded-Proto header says https; only behind a "
     "proxy\nthat sets it and that clients cannot bypass).",
     [](Config& c, const std::string& v) -> Status {
       TRY(OneOf("webserver_secure_cookies", v, {"false", "true", "forwarded"}));
       c.webserver_secure_cookies = v;
       return {};
     },
     [](const Config& c) -> std::string { return c.webserver_secure_cookies; }},
    {"keep_work_folders", "failed", "",
     "When a run ends, its work folder (`work/<dag_id>/<run_id>/`) is removed: `failed` keeps "
     "the folders of failed runs to look into, `always` keeps every folder, `never` keeps none. "
     "`empty` tasks never get one.",
     "A task's work folder (work/<dag_id>/<run_id>/) is removed when its run ends: \"failed\"\n"
     "keeps the folders of failed runs (to look into), \"always\" keeps every one, \"never\" "
     "none.",
     [](Config& c, const std::string& v) -> Status {
       TRY(OneOf("keep_work_folders", v, {"failed", "always", "never"}));
       c.keep_work_folders = v;
       return {};
     },
     [](const Config& c) -> std::string { return c.keep_work_folders; }},
    {"retention", "", "",
     "A duration (`90d`, `720h`): the scheduler removes, hourly, the finished runs that ended "
     "longer ago, as `weir db clean` does. Unset: everything is kept. The audit log is not "
     "affected.",
     "Remove finished runs (with their task instances, tries, XCom, logs and work folders) "
     "once\nthey ended this long ago; the scheduler checks hourly. Unset: keep everything (see\n"
     "`weir db clean` to do it by hand). For example: 90d",
     [](Config& c, const std::string& v) -> Status {
       Duration d = TRY(ParseDuration(v));
       if (d <= Duration::zero()) {
         return Err(ErrorCode::kInvalidArgument, "retention must be longer than 0");
       }
       c.retention = d;
       return {};
     },
     [](const Config& c) -> std::string {
       return c.retention ? FormatDuration(*c.retention) : std::string();
     }},
    {"audit_retention", "", "",
     "A duration (`365d`): the scheduler removes, hourly, the audit events recorded longer ago, "
     "as `weir db clean --audit` does. Unset: the audit log is kept for ever.",
     "Remove audit events (who triggered, cleared, marked or changed what) recorded this long\n"
     "ago; checked with retention. Unset: the audit log is kept for ever. For example: 365d",
     [](Config& c, const std::string& v) -> Status {
       Duration d = TRY(ParseDuration(v));
       if (d <= Duration::zero()) {
         return Err(ErrorCode::kInvalidArgument, "audit_retention must be longer than 0");
       }
       c.audit_retention = d;
       return {};
     },
     [](const Config& c) -> std::string {
       return c.audit_retention ? FormatDuration(*c.audit_retention) : std::string();
     }},
    {"log_level", "info", "WEIR_LOG_LEVEL",
     "The least severe diagnostics the scheduler, the web server and other commands write on "
     "stderr: `debug`, `info`, `warning` or `error`. Task logs and command output are not "
     "affected.",
     "What weir says about itself on stderr, from the least severe level shown: debug, info,\n"
     "warning or error (task logs are not affected).",
     [](Config& c, const std::string& v) -> Status {
       TRY(OneOf("log_level", v, {"debug", "info", "warning", "error"}));
       c.log_level = v;
       return {};
     },
     [](const Config& c) -> std::string { return c.log_level; }},
    {"log_format", "text", "WEIR_LOG_FORMAT",
     "How those diagnostics are written: `text` (`weir: warning: ...`) or `json`, one object "
     "per line with `time`, `level` and `message`, for log shippers.",
     "How they are written: text, or json (one object per line with time, level and message,\n"
     "for log shippers).",
     [](Config& c, const std::string& v) -> Status {
       TRY(OneOf("log_format", v, {"text", "json"}));
       c.log_format = v;
       return {};
     },
     [](const Config& c) -> std::string { return c.log_format; }},
});

}  // namespace

std::span<const Setting> Settings() { return kSettings; }

std::string SettingsReference() {
  std::string out =
      "| key | default | environment override | meaning |\n"
      "|---|---|---|---|\n";
  for (const Setting& s : kSettings) {
    std::string def = s.default_value.empty() ? "unset" : fmt::format("`{}`", s.default_value);
    std::string env = s.env.empty() ? "none" : fmt::format("`{}`", s.env);
    out += fmt::format("| `{}` | {} | {} | {} |\n", s.key, def, env, s.meaning);
  }
  return out;
}

}  // namespace weir
