// SqlStore: scheduler processes and their heartbeats.
#include <chrono>
#include <string_view>

#include "store/sql/rows.h"
#include "store/sql/sql_store.h"

namespace weir {

using sql::Statement;

namespace {

// Without id (the first column a read expects): selects prepend it, inserts leave it out.
constexpr std::string_view kSchedulerJobColumns =
    "hostname, pid, started_at, heartbeat_at, ended_at";

// A stopped scheduler's row is kept for a week: enough to tell when one last ran.
constexpr auto kSchedulerJobRetention = std::chrono::hours(24 * 7);

Result<SchedulerJob> ReadSchedulerJob(const Statement& s) {
  return SchedulerJob{.id = s.Int64(0),
                      .hostname = s.Text(1),
                      .pid = s.Int64(2),
                      .started_at = FromMicros(s.Int64(3)),
                      .heartbeat_at = FromMicros(s.Int64(4)),
                      .ended_at = sql::ColumnOptionalTime(s, 5)};
}

constexpr std::string_view kLeaseColumns =
    "name, holder, hostname, pid, proc_start, home, acquired_at, heartbeat_at, expires_at";

Result<SchedulerLease> ReadLease(const Statement& s) {
  return SchedulerLease{.name = s.Text(0),
                        .holder = s.Text(1),
                        .hostname = s.Text(2),
                        .pid = s.Int64(3),
                        .proc_start = s.Int64(4),
                        .home = s.Text(5),
                        .acquired_at = FromMicros(s.Int64(6)),
                        .heartbeat_at = FromMicros(s.Int64(7)),
                        .expires_at = FromMicros(s.Int64(8))};
}

}  // namespace

Result<int64_t> SqlStore::AddSchedulerJob(const SchedulerJob& job) {
  static const std::string kSql =
      fmt::format("INSERT INTO scheduler_job ({}) VALUES ({}) RETURNING id", kSchedulerJobColumns,
                  sql::Placeholders(kSchedulerJobColumns));
  int64_t id = 0;
  TRY(Transaction([&]() -> Status {
    auto prune = TRY(db_->Prepare("DELETE FROM scheduler_job WHERE heartbeat_at < ?1"));
    sql::BindTime(prune, 1, job.started_at - kSchedulerJobRetention);
    TRY(prune.Run());
    auto insert = TRY(db_->Prepare(kSql));
    insert.Bind(1, job.hostname).Bind(2, job.pid);
    sql::BindTime(insert, 3, job.started_at);
    sql::BindTime(insert, 4, job.heartbeat_at);
    sql::BindTime(insert, 5, job.ended_at);
    if (!TRY(insert.Step())) {
      return Err(ErrorCode::kInternal, "recording the scheduler job returned no id");
    }
    id = insert.Int64(0);
    return {};
  }));
  return id;
}

Status SqlStore::HeartbeatSchedulerJob(int64_t id, Time now) {
  auto update = TRY(db_->Prepare("UPDATE scheduler_job SET heartbeat_at = ?2 WHERE id = ?1"));
  update.Bind(1, id);
  sql::BindTime(update, 2, now);
  TRY(update.Run());
  if (db_->Changes() == 0) return Err(ErrorCode::kNotFound, "no scheduler job with id {}", id);
  return {};
}

Status SqlStore::EndSchedulerJob(int64_t id, Time ended_at) {
  auto update = TRY(db_->Prepare("UPDATE scheduler_job SET ended_at = ?2 WHERE id = ?1"));
  update.Bind(1, id);
  sql::BindTime(update, 2, ended_at);
  TRY(update.Run());
  if (db_->Changes() == 0) return Err(ErrorCode::kNotFound, "no scheduler job with id {}", id);
  return {};
}

Result<std::optional<SchedulerJob>> SqlStore::LatestSchedulerJob() {
  static const std::string kSql = fmt::format(
      "SELECT id, {} FROM scheduler_job "
      "ORDER BY ended_at IS NOT NULL, heartbeat_at DESC, id DESC LIMIT 1",
      kSchedulerJobColumns);
  auto select = TRY(db_->Prepare(kSql));
  return sql::FirstRow(select, ReadSchedulerJob);
}

Result<std::vector<SchedulerJob>> SqlStore::ListSchedulerJobs(Time since) {
  static const std::string kSql = fmt::format(
      "SELECT id, {} FROM scheduler_job WHERE ended_at IS NULL AND heartbeat_at >= ?1 "
      "ORDER BY heartbeat_at DESC, id DESC",
      kSchedulerJobColumns);
  auto select = TRY(db_->Prepare(kSql));
  sql::BindTime(select, 1, since);
  return sql::CollectRows(select, ReadSchedulerJob);
}

// Scheduler leases. One conditional upsert decides: PostgreSQL accepts the same statement.

Result<SchedulerLease> SqlStore::AcquireSchedulerLease(const SchedulerLease& lease, Time now,
                                                       const std::string& replace_holder) {
  static const std::string kUpsert = fmt::format(
      "INSERT INTO scheduler_lease ({0}) VALUES ({1}) ON CONFLICT (name) DO UPDATE SET "
      "holder = excluded.holder, hostname = excluded.hostname, pid = excluded.pid, "
      "proc_start = excluded.proc_start, home = excluded.home, "
      "acquired_at = CASE WHEN scheduler_lease.holder = excluded.holder "
      "THEN scheduler_lease.acquired_at ELSE excluded.acquired_at END, "
      "heartbeat_at = excluded.heartbeat_at, expires_at = excluded.expires_at "
      "WHERE scheduler_lease.expires_at <= ?10 OR scheduler_lease.holder = excluded.holder "
      "OR scheduler_lease.holder = ?11",
      kLeaseColumns, sql::Placeholders(kLeaseColumns));
  std::optional<SchedulerLease> stored;
  TRY(Transaction([&]() -> Status {
    auto upsert = TRY(db_->Prepare(kUpsert));
    upsert.Bind(1, lease.name)
        .Bind(2, lease.holder)
        .Bind(3, lease.hostname)
        .Bind(4, lease.pid)
        .Bind(5, lease.proc_start)
        .Bind(6, lease.home);
    sql::BindTime(upsert, 7, now);
    sql::BindTime(upsert, 8, now);
    sql::BindTime(upsert, 9, lease.expires_at);
    sql::BindTime(upsert, 10, now);
    upsert.Bind(11, replace_holder);  // empty matches nothing: holders are never empty
    TRY(upsert.Run());
    stored = TRY(GetSchedulerLease(lease.name));
    return {};
  }));
  if (!stored) return Err(ErrorCode::kInternal, "the scheduler lease was not stored");
  return *stored;
}

Status SqlStore::RenewSchedulerLease(const std::string& name, const std::string& holder, Time now,
                                     Time expires_at) {
  auto update =
      TRY(db_->Prepare("UPDATE scheduler_lease SET heartbeat_at = ?3, expires_at = ?4 "
                       "WHERE name = ?1 AND holder = ?2"));
  update.Bind(1, name).Bind(2, holder);
  sql::BindTime(update, 3, now);
  sql::BindTime(update, 4, expires_at);
  TRY(update.Run());
  if (db_->Changes() == 0) {
    return Err(ErrorCode::kFailedPrecondition,
               "this scheduler no longer holds the '{}' lease of the metadata database: "
               "another scheduler took it after it expired",
               name);
  }
  return {};
}

Status SqlStore::ReleaseSchedulerLease(const std::string& name, const std::string& holder) {
  auto remove = TRY(db_->Prepare("DELETE FROM scheduler_lease WHERE name = ?1 AND holder = ?2"));
  return remove.Bind(1, name).Bind(2, holder).Run();
}

Result<std::optional<SchedulerLease>> SqlStore::GetSchedulerLease(const std::string& name) {
  static const std::string kSql =
      fmt::format("SELECT {} FROM scheduler_lease WHERE name = ?1", kLeaseColumns);
  auto select = TRY(db_->Prepare(kSql));
  select.Bind(1, name);
  return sql::FirstRow(select, ReadLease);
}

Result<std::vector<SchedulerLease>> SqlStore::ListSchedulerLeases(const std::string& prefix) {
  // substr, not LIKE: LIKE ignores case in SQLite and treats '_' and '%' as patterns.
  static const std::string kSql = fmt::format(
      "SELECT {} FROM scheduler_lease WHERE substr(name, 1, length(CAST(?1 AS TEXT))) = ?1 ORDER "
      "BY name",
      kLeaseColumns);
  auto select = TRY(db_->Prepare(kSql));
  select.Bind(1, prefix);
  return sql::CollectRows(select, ReadLease);
}

}  // namespace weir
