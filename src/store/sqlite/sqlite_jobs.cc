// SqliteStore: scheduler processes and their heartbeats.
#include <chrono>
#include <string_view>

#include "store/sqlite/rows.h"
#include "store/sqlite/sqlite_store.h"

namespace weir {

using sqlite::Statement;

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
                      .ended_at = sqlite::ColumnOptionalTime(s, 5)};
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

Result<int64_t> SqliteStore::AddSchedulerJob(const SchedulerJob& job) {
  static const std::string kSql =
      fmt::format("INSERT INTO scheduler_job ({}) VALUES ({}) RETURNING id", kSchedulerJobColumns,
                  sqlite::Placeholders(kSchedulerJobColumns));
  int64_t id = 0;
  TRY(Transaction([&]() -> Status {
    auto prune = TRY(db_->Prepare("DELETE FROM scheduler_job WHERE heartbeat_at < ?1"));
    sqlite::BindTime(prune, 1, job.started_at - kSchedulerJobRetention);
    TRY(prune.Run());
    auto insert = TRY(db_->Prepare(kSql));
    insert.Bind(1, job.hostname).Bind(2, job.pid);
    sqlite::BindTime(insert, 3, job.started_at);
    sqlite::BindTime(insert, 4, job.heartbeat_at);
    sqlite::BindTime(insert, 5, job.ended_at);
    if (!TRY(insert.Step())) {
      return Err(ErrorCode::kInternal, "recording the scheduler job returned no id");
    }
    id = insert.Int64(0);
    return {};
  }));
  return id;
}

Status SqliteStore::HeartbeatSchedulerJob(int64_t id, Time now) {
  auto update = TRY(db_->Prepare("UPDATE scheduler_job SET heartbeat_at = ?2 WHERE id = ?1"));
  update.Bind(1, id);
  sqlite::BindTime(update, 2, now);
  TRY(update.Run());
  if (db_->Changes() == 0) return Err(ErrorCode::kNotFound, "no scheduler job with id {}", id);
  return {};
}

Status SqliteStore::EndSchedulerJob(int64_t id, Time ended_at) {
  auto update = TRY(db_->Prepare("UPDATE scheduler_job SET ended_at = ?2 WHERE id = ?1"));
  update.Bind(1, id);
  sqlite::BindTime(update, 2, ended_at);
  TRY(update.Run());
  if (db_->Changes() == 0) return Err(ErrorCode::kNotFound, "no scheduler job with id {}", id);
  return {};
}

Result<std::optional<SchedulerJob>> SqliteStore::LatestSchedulerJob() {
  static const std::string kSql = fmt::format(
      "SELECT id, {} FROM scheduler_job "
      "ORDER BY ended_at IS NOT NULL, heartbeat_at DESC, id DESC LIMIT 1",
      kSchedulerJobColumns);
  auto select = TRY(db_->Prepare(kSql));
  return sqlite::FirstRow(select, ReadSchedulerJob);
}

// Scheduler leases. One conditional upsert decides: PostgreSQL accepts the same statement.

Result<SchedulerLease> SqliteStore::AcquireSchedulerLease(const SchedulerLease& lease, Time now,
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
      kLeaseColumns, sqlite::Placeholders(kLeaseColumns));
  std::optional<SchedulerLease> stored;
  TRY(Transaction([&]() -> Status {
    auto upsert = TRY(db_->Prepare(kUpsert));
    upsert.Bind(1, lease.name)
        .Bind(2, lease.holder)
        .Bind(3, lease.hostname)
        .Bind(4, lease.pid)
        .Bind(5, lease.proc_start)
        .Bind(6, lease.home);
    sqlite::BindTime(upsert, 7, now);
    sqlite::BindTime(upsert, 8, now);
    sqlite::BindTime(upsert, 9, lease.expires_at);
    sqlite::BindTime(upsert, 10, now);
    upsert.Bind(11, replace_holder);  // empty matches nothing: holders are never empty
    TRY(upsert.Run());
    stored = TRY(GetSchedulerLease(lease.name));
    return {};
  }));
  if (!stored) return Err(ErrorCode::kInternal, "the scheduler lease was not stored");
  return *stored;
}

Status SqliteStore::RenewSchedulerLease(const std::string& name, const std::string& holder,
                                        Time now, Time expires_at) {
  auto update =
      TRY(db_->Prepare("UPDATE scheduler_lease SET heartbeat_at = ?3, expires_at = ?4 "
                       "WHERE name = ?1 AND holder = ?2"));
  update.Bind(1, name).Bind(2, holder);
  sqlite::BindTime(update, 3, now);
  sqlite::BindTime(update, 4, expires_at);
  TRY(update.Run());
  if (db_->Changes() == 0) {
    return Err(ErrorCode::kFailedPrecondition,
               "this scheduler no longer holds the '{}' lease of the metadata database: "
               "another scheduler took it after it expired",
               name);
  }
  return {};
}

Status SqliteStore::ReleaseSchedulerLease(const std::string& name, const std::string& holder) {
  auto remove = TRY(db_->Prepare("DELETE FROM scheduler_lease WHERE name = ?1 AND holder = ?2"));
  return remove.Bind(1, name).Bind(2, holder).Run();
}

Result<std::optional<SchedulerLease>> SqliteStore::GetSchedulerLease(const std::string& name) {
  static const std::string kSql =
      fmt::format("SELECT {} FROM scheduler_lease WHERE name = ?1", kLeaseColumns);
  auto select = TRY(db_->Prepare(kSql));
  select.Bind(1, name);
  return sqlite::FirstRow(select, ReadLease);
}

}  // namespace weir
