#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/json.h"
#include "base/time.h"
#include "model/run.h"
#include "model/state.h"

namespace weir {

// Rows of the metadata store. Plain values; the store owns no behaviour beyond persistence.

struct DagRow {
  std::string dag_id;
  std::string fileloc;
  bool is_paused = false;
  bool is_active = true;  // false once its file is gone
  int64_t latest_version_id = 0;
  std::string description;
  std::string schedule;  // as written
  std::string timezone;
  std::string owner;
  std::vector<std::string> tags;
  Time last_parsed_at{};
};

struct DagVersion {
  int64_t id = 0;
  std::string dag_id;
  int version_number = 0;  // 1, 2, ... per DAG
  std::string source_hash;
  std::string source;
  std::string fileloc;
  Time created_at{};
};

struct ImportError {
  std::string fileloc;
  std::string message;  // "file:line:col: what is wrong; what would be right"
  Time timestamp{};
};

// What changed in the store after a change sequence number (MetadataStore::ChangesSince).
struct StoreChanges {
  int64_t seq = 0;  // the sequence these changes bring the reader to
  std::vector<DagRun> runs;
  std::vector<TaskInstance> tis;
  int64_t active_runs = 0;                            // runs queued or running
  std::map<std::string, int64_t> active_runs_by_dag;  // the same, per DAG (none: absent)
};

// Task instances queued or running of one DAG in one pool (RunStore::CountActiveTasks): what
// several schedulers count to keep `parallelism` and pools global.
struct ActiveTaskCount {
  std::string dag_id;
  std::string pool;
  int64_t tasks = 0;
  int64_t slots = 0;  // the sum of their pool_slots
};

struct TaskTry {
  std::string dag_id;
  std::string run_id;
  std::string task_id;
  int try_number = 0;
  TaskState state = TaskState::kQueued;  // queued, running, then a final state
  Time queued_at{};
  std::optional<Time> start_date;
  std::optional<Time> end_date;
  std::optional<Time> heartbeat_at;
  std::string hostname;
  int pid = 0;             // the attempt's process (also its process group), 0 if none
  int64_t proc_start = 0;  // /proc start time of pid, to recognise it after a restart
  // A random key recorded before the process is spawned and given to it (and so to every
  // process it starts) as WEIR_TRY_KEY: recovery finds what is left of the try by it, even
  // when weir stopped before it could record the pid. Empty for tries of older versions.
  std::string try_key;
  std::optional<int> exit_code;
  std::string log_path;
  std::string error;
  int64_t version_id = 0;
  Json rendered_args = Json::object();
};

struct XComRow {
  std::string dag_id;
  std::string run_id;
  std::string task_id;
  std::string key = "return_value";
  Json value;
  Time timestamp{};
};

struct Variable {
  std::string key;
  std::string value;
  std::string description;
  bool is_secret = false;
};

// A connection as the store keeps it (model/connection.h is the connection itself): what is
// not secret in clear, so that lists need no key, and the password with the sensitive extra
// fields as one sealed value (base/sealed.h) that only engine/connections.h opens.
struct StoredConnection {
  std::string conn_id;
  std::string conn_type;
  std::string description;
  std::string host;
  std::string schema;
  std::string login;
  std::optional<int> port;
  Json extra = Json::object();  // the fields that are not sensitive
  std::string sealed;           // {"password": ..., "extra": {sensitive fields}}, sealed
  Time updated_at{};
};

struct Pool {
  std::string name;
  int slots = 128;
  std::string description;
};

// The lake catalog (docs/lake.md).

// One version of one object weir wrote into a lake. Re-writing the same URI adds a new
// row and sets replaced_at on the previous one, so the history is kept.
struct LakeObject {
  int64_t id = 0;
  std::string uri;        // as tasks name it: lake://<key> or file:///path
  std::string store_uri;  // the lake holding it (file:///home/me/weir/lake)
  std::string key;        // its key in that lake
  std::string dataset;    // the prefix it belongs to (raw/yellow_tripdata)
  std::string format;     // parquet, csv, or "" for other files
  int64_t size = 0;
  std::string sha256;
  std::string etag;  // the lake's ETag of the object
  std::string source_url;
  std::string source_etag;
  std::string source_last_modified;
  std::optional<int64_t> rows;   // for parquet and csv
  Json columns = Json::array();  // [{"name", "type"}] for parquet and csv
  int schema_version = 0;        // the dataset schema version it has (0: none)
  std::string warning;           // e.g. schema drift published under schema_policy warn
  std::string dag_id;
  std::string run_id;
  std::string task_id;
  int try_number = 0;
  Time created_at{};
  std::optional<Time> replaced_at;
};

// A version of a dataset's schema: one of its distinct schemas, recorded when an object
// arrives whose columns are none of the earlier versions' (lake/catalog.h).
struct DatasetSchema {
  std::string dataset;
  int version = 0;
  Json columns = Json::array();  // [{"name", "type"}]
  std::string change;            // how it differs from the previous version ("" for v1)
  std::string policy;            // the schema_policy in force when it was recorded
  std::string first_uri;         // the object that brought it
  Time created_at{};
};

// A dataset and what it holds now (current objects only).
struct DatasetSummary {
  std::string dataset;
  int64_t objects = 0;
  int64_t size = 0;
  std::optional<int64_t> rows;  // sum over objects that know their rows
  int schema_version = 0;       // latest
  Time updated_at{};
  int warnings = 0;  // current objects with a warning
};

// Users of the web server and the API (docs/security.md). The store keeps hashes only:
// a password as its argon2id encoding, tokens and session ids as their SHA-256.

struct User {
  int64_t id = 0;  // set by the store
  std::string username;
  std::string role;           // "admin", "op" or "viewer" (auth/role.h)
  std::string password_hash;  // argon2id encoded: "$argon2id$v=19$m=...,t=...,p=...$salt$hash"
  Time created_at{};
  Time updated_at{};
  std::optional<Time> last_login_at;
  int failed_logins = 0;  // consecutive, since the last successful login
  std::optional<Time> locked_until;
};

// A token for scripts: the token itself is shown once, when it is made, and never stored.
struct ApiToken {
  int64_t id = 0;  // set by the store
  int64_t user_id = 0;
  std::string name;        // unique per user
  std::string token_hash;  // SHA-256 hex of the token
  std::string prefix;      // the token's first characters, to tell tokens apart in listings
  Time created_at{};
  std::optional<Time> last_used_at;
  std::optional<Time> expires_at;  // nullopt: never
};

// A browser's login. The session id lives only in the browser's cookie.
struct WebSession {
  std::string id_hash;  // SHA-256 hex of the session id
  int64_t user_id = 0;
  std::string csrf_token;  // sent back in a header on every state-changing request
  Time created_at{};
  Time expires_at{};  // moves with last_seen_at (idle timeout), up to an absolute limit
  Time last_seen_at{};
};

// One run of a scheduler process (`weir scheduler`, `weir standalone`), heartbeaten while
// it runs: GET /api/v1/health reads the newest.
struct SchedulerJob {
  int64_t id = 0;
  std::string hostname;
  int64_t pid = 0;
  Time started_at{};
  Time heartbeat_at{};
  std::optional<Time> ended_at;  // set when it stopped cleanly
};

// The right to schedule on one metadata database, held by one process at a time (per name):
// taken atomically, renewed with every heartbeat, free again once released or expired. A
// second scheduler on the same database (another home, another machine) is refused while
// the holder keeps renewing it.
struct SchedulerLease {
  std::string name = "scheduler";  // one lease per name (several schedulers: one per shard)
  std::string holder;              // a random id of the holding process
  std::string hostname;            // where the holder runs
  int64_t pid = 0;                 // the holder's pid on hostname
  int64_t proc_start = 0;          // its /proc start time, to tell a dead holder from a live one
  std::string home;                // the holder's $WEIR_HOME, for messages
  Time acquired_at{};
  Time heartbeat_at{};
  Time expires_at{};  // free for others from this moment unless renewed
};

// Who asked for a change and from where, as the audit log records it.
struct Actor {
  std::string username;  // the weir user (ui, api) or the operating-system user (cli)
  std::string source;    // "ui" (a browser session), "api" (a bearer token) or "cli"
  std::string origin;    // the client's IP address (ui, api) or the host name (cli)
};

// One entry of the audit log: a change someone asked for (Airflow's event log). `details`
// says what changed (arguments, the affected ids) and never holds a secret: no variable
// value, password or token.
struct AuditEvent {
  int64_t id = 0;  // set by the store
  Time when{};     // set by the store when zero
  std::string username;
  std::string source;
  std::string origin;
  std::string action;  // one of the names in audit_actions.h
  std::string dag_id;  // "" when the action is not about a DAG
  std::string run_id;
  std::string task_id;
  Json details = Json::object();
};

// Which audit events to list: every set field must match; newest first.
struct AuditFilter {
  std::optional<std::string> dag_id;
  std::optional<std::string> run_id;
  std::optional<std::string> task_id;
  std::optional<std::string> action;
  std::optional<std::string> username;  // ignores case
  std::optional<std::string> source;
  std::optional<Time> after;                // inclusive
  std::optional<Time> before;               // exclusive
  std::vector<std::string> hidden_actions;  // events with these actions are left out
  int limit = 0;                            // 0: no limit
  int offset = 0;
};

struct RunFilter {
  std::optional<std::string> dag_id;
  std::vector<RunState> states;  // empty: any
  std::optional<RunType> run_type;
  std::optional<Time> logical_date_from;  // inclusive
  std::optional<Time> logical_date_to;    // inclusive
  int limit = 0;                          // 0: no limit
  int offset = 0;
  bool newest_first = true;  // by logical date
};

// Which task instances to list, across DAGs and runs: every set field must match (the
// dates and run type are their run's). Newest run first, then by DAG, run and task.
struct TaskInstanceFilter {
  std::optional<std::string> dag_id;
  std::vector<std::string> run_ids;  // empty: any
  std::optional<std::string> task_id;
  std::vector<TaskState> states;  // empty: any
  std::optional<RunType> run_type;
  std::optional<Time> logical_date_from;  // inclusive
  std::optional<Time> logical_date_to;    // inclusive
  int limit = 0;                          // 0: no limit
  int offset = 0;
};

// A note a person wrote on a run (task_id empty) or on one of its task instances (Airflow's
// notes). Kept apart from the run's and task instance's rows, which the scheduler rewrites.
struct Note {
  std::string dag_id;
  std::string run_id;
  std::string task_id;  // "" for the run's own note
  std::string content;
  std::string updated_by;
  Time updated_at{};
};

}  // namespace weir
