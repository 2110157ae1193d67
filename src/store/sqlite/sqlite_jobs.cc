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

}  // namespace weir
