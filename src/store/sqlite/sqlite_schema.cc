#include "store/sqlite/sqlite_schema.h"

#include <array>

namespace weir::sqlite {

using sql::Migration;

namespace {

// The schema keeps to what PostgreSQL accepts as well (BIGINT microseconds, TEXT, BOOLEAN,
// composite keys, ON CONFLICT), so postgres/ can use the same shape. Times are microseconds
// since the epoch, NULL when unset; JSON and tag lists are TEXT; enums are their names.
//
// dag_version and dag_run do not reference dag: the DAG processor may record a version
// before the dag row, and runs outlive a DAG whose file is gone.
constexpr auto kMigration1 = std::to_array<std::string_view>({
    R"sql(CREATE TABLE dag (
      dag_id TEXT NOT NULL PRIMARY KEY,
      fileloc TEXT NOT NULL,
      is_paused BOOLEAN NOT NULL DEFAULT FALSE,
      is_active BOOLEAN NOT NULL DEFAULT TRUE,
      latest_version_id BIGINT NOT NULL DEFAULT 0,
      description TEXT NOT NULL DEFAULT '',
      schedule TEXT NOT NULL DEFAULT '',
      timezone TEXT NOT NULL DEFAULT '',
      owner TEXT NOT NULL DEFAULT '',
      tags TEXT NOT NULL DEFAULT '[]',
      last_parsed_at BIGINT NOT NULL)
    )sql",
    R"sql(CREATE TABLE dag_version (
      id INTEGER PRIMARY KEY,
      dag_id TEXT NOT NULL,
      version_number INTEGER NOT NULL,
      source_hash TEXT NOT NULL,
      source TEXT NOT NULL,
      fileloc TEXT NOT NULL,
      created_at BIGINT NOT NULL,
      UNIQUE (dag_id, source_hash),
      UNIQUE (dag_id, version_number))
    )sql",
    R"sql(CREATE TABLE import_error (
      fileloc TEXT NOT NULL PRIMARY KEY,
      message TEXT NOT NULL,
      timestamp BIGINT NOT NULL)
    )sql",
    R"sql(CREATE TABLE dag_run (
      dag_id TEXT NOT NULL,
      run_id TEXT NOT NULL,
      run_type TEXT NOT NULL,
      state TEXT NOT NULL,
      logical_date BIGINT NOT NULL,
      data_interval_start BIGINT NOT NULL,
      data_interval_end BIGINT NOT NULL,
      queued_at BIGINT NOT NULL,
      start_date BIGINT,
      end_date BIGINT,
      conf TEXT NOT NULL DEFAULT '{}',
      version_id BIGINT NOT NULL DEFAULT 0,
      note TEXT NOT NULL DEFAULT '',
      PRIMARY KEY (dag_id, run_id)) WITHOUT ROWID
    )sql",
    "CREATE INDEX dag_run_by_logical_date ON dag_run (dag_id, logical_date)",
    "CREATE INDEX dag_run_by_state ON dag_run (state)",
    // The primary key's index serves "task instances of (dag_id, run_id)".
    R"sql(CREATE TABLE task_instance (
      dag_id TEXT NOT NULL,
      run_id TEXT NOT NULL,
      task_id TEXT NOT NULL,
      state TEXT NOT NULL,
      try_number INTEGER NOT NULL DEFAULT 0,
      max_tries INTEGER NOT NULL DEFAULT 0,
      operator_name TEXT NOT NULL DEFAULT '',
      pool TEXT NOT NULL DEFAULT 'default_pool',
      pool_slots INTEGER NOT NULL DEFAULT 1,
      priority_weight INTEGER NOT NULL DEFAULT 1,
      start_date BIGINT,
      end_date BIGINT,
      next_retry_at BIGINT,
      queued_at BIGINT,
      error TEXT NOT NULL DEFAULT '',
      PRIMARY KEY (dag_id, run_id, task_id),
      FOREIGN KEY (dag_id, run_id) REFERENCES dag_run (dag_id, run_id) ON DELETE CASCADE)
      WITHOUT ROWID
    )sql",
    R"sql(CREATE TABLE task_try (
      dag_id TEXT NOT NULL,
      run_id TEXT NOT NULL,
      task_id TEXT NOT NULL,
      try_number INTEGER NOT NULL,
      state TEXT NOT NULL,
      queued_at BIGINT NOT NULL,
      start_date BIGINT,
      end_date BIGINT,
      heartbeat_at BIGINT,
      hostname TEXT NOT NULL DEFAULT '',
      pid INTEGER NOT NULL DEFAULT 0,
      proc_start BIGINT NOT NULL DEFAULT 0,
      exit_code INTEGER,
      log_path TEXT NOT NULL DEFAULT '',
      error TEXT NOT NULL DEFAULT '',
      version_id BIGINT NOT NULL DEFAULT 0,
      rendered_args TEXT NOT NULL DEFAULT '{}',
      PRIMARY KEY (dag_id, run_id, task_id, try_number),
      FOREIGN KEY (dag_id, run_id, task_id)
        REFERENCES task_instance (dag_id, run_id, task_id) ON DELETE CASCADE)
      WITHOUT ROWID
    )sql",
    "CREATE INDEX task_try_by_state ON task_try (state)",
    R"sql(CREATE TABLE xcom (
      dag_id TEXT NOT NULL,
      run_id TEXT NOT NULL,
      task_id TEXT NOT NULL,
      key TEXT NOT NULL,
      value TEXT NOT NULL,
      timestamp BIGINT NOT NULL,
      PRIMARY KEY (dag_id, run_id, task_id, key),
      FOREIGN KEY (dag_id, run_id) REFERENCES dag_run (dag_id, run_id) ON DELETE CASCADE)
    )sql",
    R"sql(CREATE TABLE variable (
      key TEXT NOT NULL PRIMARY KEY,
      value TEXT NOT NULL,
      description TEXT NOT NULL DEFAULT '',
      is_secret BOOLEAN NOT NULL DEFAULT FALSE)
    )sql",
    R"sql(CREATE TABLE pool (
      name TEXT NOT NULL PRIMARY KEY,
      slots INTEGER NOT NULL,
      description TEXT NOT NULL DEFAULT '')
    )sql",
});

// The lake catalog: one row per version of an object (replaced_at NULL: the current one),
// and the schema history of each dataset.
constexpr auto kMigration2 = std::to_array<std::string_view>({
    R"sql(CREATE TABLE lake_object (
      id INTEGER PRIMARY KEY,
      uri TEXT NOT NULL,
      store_uri TEXT NOT NULL,
      object_key TEXT NOT NULL,
      dataset TEXT NOT NULL,
      format TEXT NOT NULL DEFAULT '',
      size BIGINT NOT NULL,
      sha256 TEXT NOT NULL DEFAULT '',
      etag TEXT NOT NULL DEFAULT '',
      source_url TEXT NOT NULL DEFAULT '',
      source_etag TEXT NOT NULL DEFAULT '',
      source_last_modified TEXT NOT NULL DEFAULT '',
      row_count BIGINT,
      columns TEXT NOT NULL DEFAULT '[]',
      schema_version INTEGER NOT NULL DEFAULT 0,
      warning TEXT NOT NULL DEFAULT '',
      dag_id TEXT NOT NULL DEFAULT '',
      run_id TEXT NOT NULL DEFAULT '',
      task_id TEXT NOT NULL DEFAULT '',
      try_number INTEGER NOT NULL DEFAULT 0,
      created_at BIGINT NOT NULL,
      replaced_at BIGINT)
    )sql",
    "CREATE INDEX lake_object_by_uri ON lake_object (uri, id)",
    "CREATE INDEX lake_object_by_source ON lake_object (source_url, id)",
    "CREATE INDEX lake_object_by_dataset ON lake_object (dataset)",
    R"sql(CREATE TABLE dataset_schema (
      dataset TEXT NOT NULL,
      version INTEGER NOT NULL,
      columns TEXT NOT NULL,
      change TEXT NOT NULL DEFAULT '',
      policy TEXT NOT NULL DEFAULT '',
      first_uri TEXT NOT NULL DEFAULT '',
      created_at BIGINT NOT NULL,
      PRIMARY KEY (dataset, version))
    )sql",
});

// Users of the web server and the API, their API tokens and their login sessions. Only
// hashes of secrets are kept: the argon2id encoding of a password, the SHA-256 of a token or a
// session id. A user's tokens and sessions go with the user.
constexpr auto kMigration3 = std::to_array<std::string_view>({
    R"sql(CREATE TABLE weir_user (
      id INTEGER PRIMARY KEY,
      username TEXT NOT NULL UNIQUE,
      role TEXT NOT NULL CHECK (role IN ('admin', 'op', 'viewer')),
      password_hash TEXT NOT NULL,
      created_at BIGINT NOT NULL,
      updated_at BIGINT NOT NULL,
      last_login_at BIGINT,
      failed_logins INTEGER NOT NULL DEFAULT 0,
      locked_until BIGINT)
    )sql",
    R"sql(CREATE TABLE api_token (
      id INTEGER PRIMARY KEY,
      user_id BIGINT NOT NULL REFERENCES weir_user (id) ON DELETE CASCADE,
      name TEXT NOT NULL,
      token_hash TEXT NOT NULL UNIQUE,
      prefix TEXT NOT NULL,
      created_at BIGINT NOT NULL,
      last_used_at BIGINT,
      expires_at BIGINT,
      UNIQUE (user_id, name))
    )sql",
    R"sql(CREATE TABLE web_session (
      id_hash TEXT NOT NULL PRIMARY KEY,
      user_id BIGINT NOT NULL REFERENCES weir_user (id) ON DELETE CASCADE,
      csrf_token TEXT NOT NULL,
      created_at BIGINT NOT NULL,
      expires_at BIGINT NOT NULL,
      last_seen_at BIGINT NOT NULL)
    )sql",
    "CREATE INDEX web_session_by_user ON web_session (user_id)",
    "CREATE INDEX web_session_by_expiry ON web_session (expires_at)",
});

// Scheduler processes and their heartbeats (GET /api/v1/health): a row per process start,
// its heartbeat moved every heartbeat_interval while it runs.
constexpr auto kMigration4 = std::to_array<std::string_view>({
    R"sql(CREATE TABLE scheduler_job (
      id INTEGER PRIMARY KEY,
      hostname TEXT NOT NULL,
      pid BIGINT NOT NULL,
      started_at BIGINT NOT NULL,
      heartbeat_at BIGINT NOT NULL,
      ended_at BIGINT)
    )sql",
});

// Usernames ignore case: 'admin' and 'Admin' are one user. Accounts that already differed
// only in case keep working: the oldest keeps its name, the others are renamed
// '<name>-duplicate-<id>' (`weir users list` shows them; an admin deletes or keeps them).
constexpr auto kMigration5 = std::to_array<std::string_view>({
    R"sql(UPDATE weir_user SET username = username || '-duplicate-' || id
      WHERE id NOT IN (SELECT MIN(id) FROM weir_user GROUP BY username COLLATE NOCASE))sql",
    "CREATE UNIQUE INDEX weir_user_by_name ON weir_user (username COLLATE NOCASE)",
});

// Crash recovery: a key per try, recorded before its process starts and given to it as
// WEIR_TRY_KEY, so that recovery finds its processes even when no pid was recorded; and the
// scheduler lease, which keeps a second scheduler off the database whatever its home.
constexpr auto kMigration6 = std::to_array<std::string_view>({
    "ALTER TABLE task_try ADD COLUMN try_key TEXT NOT NULL DEFAULT ''",
    R"sql(CREATE TABLE scheduler_lease (
      name TEXT NOT NULL PRIMARY KEY,
      holder TEXT NOT NULL,
      hostname TEXT NOT NULL,
      pid BIGINT NOT NULL,
      proc_start BIGINT NOT NULL,
      home TEXT NOT NULL,
      acquired_at BIGINT NOT NULL,
      heartbeat_at BIGINT NOT NULL,
      expires_at BIGINT NOT NULL)
    )sql",
});

// The audit log: who asked for which change, from where. Listed newest first, filtered by
// DAG (the DAG page's link) or by user.
constexpr auto kMigration7 = std::to_array<std::string_view>({
    R"sql(CREATE TABLE audit_event (
      id INTEGER PRIMARY KEY,
      event_time BIGINT NOT NULL,
      username TEXT NOT NULL,
      source TEXT NOT NULL,
      origin TEXT NOT NULL DEFAULT '',
      action TEXT NOT NULL,
      dag_id TEXT NOT NULL DEFAULT '',
      run_id TEXT NOT NULL DEFAULT '',
      task_id TEXT NOT NULL DEFAULT '',
      details TEXT NOT NULL DEFAULT '{}')
    )sql",
    "CREATE INDEX audit_event_by_time ON audit_event (event_time)",
    "CREATE INDEX audit_event_by_dag ON audit_event (dag_id, event_time)",
});

// Marks: who set a task instance's state by hand, when, and from which state (marked_at
// NULL: its state came from its tries or the scheduler).
constexpr auto kMigration8 = std::to_array<std::string_view>({
    "ALTER TABLE task_instance ADD COLUMN marked_by TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE task_instance ADD COLUMN marked_at BIGINT",
    "ALTER TABLE task_instance ADD COLUMN marked_from TEXT NOT NULL DEFAULT ''",
});

// Change tracking (MetadataStore::ChangesSince): one counter, advanced by every insert,
// update or delete of a run, a task instance, a DAG row or a pool; a run's or task instance's
// row records the counter of its last change. Triggers did it all (migration 10 moves the
// run and task instance rows' part into the store). (recursive_triggers is off: a trigger's own
// UPDATE fires no trigger.)
constexpr auto kMigration9 = std::to_array<std::string_view>({
    R"sql(CREATE TABLE change_counter (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      seq BIGINT NOT NULL)
    )sql",
    "INSERT INTO change_counter (id, seq) VALUES (1, 0)",
    "ALTER TABLE dag_run ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0",
    "ALTER TABLE task_instance ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0",
    "CREATE INDEX dag_run_by_change ON dag_run (change_seq)",
    "CREATE INDEX task_instance_by_change ON task_instance (change_seq)",
    R"sql(CREATE TRIGGER dag_run_inserted AFTER INSERT ON dag_run BEGIN
      UPDATE change_counter SET seq = seq + 1 WHERE id = 1;
      UPDATE dag_run SET change_seq = (SELECT seq FROM change_counter WHERE id = 1)
        WHERE dag_id = NEW.dag_id AND run_id = NEW.run_id;
    END)sql",
    R"sql(CREATE TRIGGER dag_run_updated AFTER UPDATE ON dag_run
      WHEN NEW.change_seq = OLD.change_seq BEGIN
      UPDATE change_counter SET seq = seq + 1 WHERE id = 1;
      UPDATE dag_run SET change_seq = (SELECT seq FROM change_counter WHERE id = 1)
        WHERE dag_id = NEW.dag_id AND run_id = NEW.run_id;
    END)sql",
    R"sql(CREATE TRIGGER task_instance_inserted AFTER INSERT ON task_instance BEGIN
      UPDATE change_counter SET seq = seq + 1 WHERE id = 1;
      UPDATE task_instance SET change_seq = (SELECT seq FROM change_counter WHERE id = 1)
        WHERE dag_id = NEW.dag_id AND run_id = NEW.run_id AND task_id = NEW.task_id;
    END)sql",
    R"sql(CREATE TRIGGER task_instance_updated AFTER UPDATE ON task_instance
      WHEN NEW.change_seq = OLD.change_seq BEGIN
      UPDATE change_counter SET seq = seq + 1 WHERE id = 1;
      UPDATE task_instance SET change_seq = (SELECT seq FROM change_counter WHERE id = 1)
        WHERE dag_id = NEW.dag_id AND run_id = NEW.run_id AND task_id = NEW.task_id;
    END)sql",
    R"sql(CREATE TRIGGER dag_run_deleted AFTER DELETE ON dag_run BEGIN
      UPDATE change_counter SET seq = seq + 1 WHERE id = 1;
    END)sql",
    R"sql(CREATE TRIGGER dag_changed AFTER UPDATE ON dag BEGIN
      UPDATE change_counter SET seq = seq + 1 WHERE id = 1;
    END)sql",
    R"sql(CREATE TRIGGER dag_inserted AFTER INSERT ON dag BEGIN
      UPDATE change_counter SET seq = seq + 1 WHERE id = 1;
    END)sql",
    R"sql(CREATE TRIGGER pool_inserted AFTER INSERT ON pool BEGIN
      UPDATE change_counter SET seq = seq + 1 WHERE id = 1;
    END)sql",
    R"sql(CREATE TRIGGER pool_updated AFTER UPDATE ON pool BEGIN
      UPDATE change_counter SET seq = seq + 1 WHERE id = 1;
    END)sql",
    R"sql(CREATE TRIGGER pool_deleted AFTER DELETE ON pool BEGIN
      UPDATE change_counter SET seq = seq + 1 WHERE id = 1;
    END)sql",
});

// Change tracking, cheaper: a write transaction advances the counter once, and the store's
// writes of runs and task instances stamp their rows with it themselves (SqliteStore::
// WriteSeq). The per-row triggers wrote every row twice and the counter once per row: more
// than half the cost of a task instance's update. Deletes, DAG rows and pools keep theirs.
constexpr auto kMigration10 = std::to_array<std::string_view>({
    "DROP TRIGGER dag_run_inserted",
    "DROP TRIGGER dag_run_updated",
    "DROP TRIGGER task_instance_inserted",
    "DROP TRIGGER task_instance_updated",
});

// Tries are looked up by state only while they have not ended (recovery, heartbeats): a
// partial index keeps just those, so a try's end removes its entry instead of moving it
// among every finished try, and a commit writes fewer index pages (a fifth fewer page
// writes in a run of 10,000 tasks). Queries name the condition as sqlite::kUnfinishedTries.
constexpr auto kMigration11 = std::to_array<std::string_view>({
    "DROP INDEX task_try_by_state",
    "CREATE INDEX task_try_unfinished ON task_try (state) WHERE state IN ('queued', 'running')",
});

// Connections (engine/connections.h): the secret part of each is one sealed value, never
// in clear; extra holds only the fields that are not sensitive (JSON).
constexpr auto kMigration12 = std::to_array<std::string_view>({
    R"sql(CREATE TABLE connection (
      conn_id TEXT NOT NULL PRIMARY KEY,
      conn_type TEXT NOT NULL,
      description TEXT NOT NULL DEFAULT '',
      host TEXT NOT NULL DEFAULT '',
      schema_name TEXT NOT NULL DEFAULT '',
      login TEXT NOT NULL DEFAULT '',
      port INTEGER,
      extra TEXT NOT NULL DEFAULT '{}',
      sealed TEXT NOT NULL DEFAULT '',
      updated_at BIGINT NOT NULL)
    )sql",
});

// People's notes on runs and task instances (Airflow's dag_run_note and task_instance_note),
// apart from the rows the scheduler rewrites; task_id '' is the run's own note. The run's
// browse pages filter task instances by state and runs by type and date.
constexpr auto kMigration13 = std::to_array<std::string_view>({
    R"sql(CREATE TABLE note (
      dag_id TEXT NOT NULL,
      run_id TEXT NOT NULL,
      task_id TEXT NOT NULL DEFAULT '',
      content TEXT NOT NULL,
      updated_by TEXT NOT NULL,
      updated_at BIGINT NOT NULL,
      PRIMARY KEY (dag_id, run_id, task_id),
      FOREIGN KEY (dag_id, run_id) REFERENCES dag_run (dag_id, run_id) ON DELETE CASCADE)
    )sql",
    "CREATE INDEX task_instance_by_state ON task_instance (state)",
    "CREATE INDEX dag_run_by_time ON dag_run (logical_date)",
});

constexpr auto kMigrations = std::to_array<Migration>({
    {1, "create every table", kMigration1},
    {2, "the lake catalog", kMigration2},
    {3, "users, API tokens and web sessions", kMigration3},
    {4, "scheduler heartbeats", kMigration4},
    {5, "usernames ignore case", kMigration5},
    {6, "try keys and the scheduler lease", kMigration6},
    {7, "the audit log", kMigration7},
    {8, "task instance marks", kMigration8},
    {9, "change tracking", kMigration9},
    {10, "change tracking by transaction", kMigration10},
    {11, "only unfinished tries indexed by state", kMigration11},
    {12, "connections", kMigration12},
    {13, "notes, and indexes for browsing", kMigration13},
});

}  // namespace

sql::Schema Schema() { return sql::Schema{.migrations = kMigrations}; }

}  // namespace weir::sqlite
