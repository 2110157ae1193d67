// SqlStore: the audit log.
#include <string_view>

#include "base/strings.h"
#include "store/sql/rows.h"
#include "store/sql/sql_store.h"

namespace weir {

using sql::Statement;

namespace {

// Without id (the first column a read expects): selects prepend it, inserts leave it out.
constexpr std::string_view kAuditColumns =
    "event_time, username, source, origin, action, dag_id, run_id, task_id, details";

Result<AuditEvent> ReadAuditEvent(const Statement& s) {
  auto details = ParseJson(s.Text(9), "audit_event.details");
  if (!details) return std::unexpected(details.error());
  return AuditEvent{.id = s.Int64(0),
                    .when = FromMicros(s.Int64(1)),
                    .username = s.Text(2),
                    .source = s.Text(3),
                    .origin = s.Text(4),
                    .action = s.Text(5),
                    .dag_id = s.Text(6),
                    .run_id = s.Text(7),
                    .task_id = s.Text(8),
                    .details = *std::move(details)};
}

// The WHERE clause of `filter` (or "") and the values of its ?1..?N, in order.
struct Where {
  std::string sql;
  std::vector<std::string> texts;  // bound first
  std::vector<int64_t> times;      // then these
};

Where WhereOf(const AuditFilter& f) {
  Where w;
  std::vector<std::string> terms;
  auto text = [&](const std::optional<std::string>& value, std::string_view term) {
    if (!value) return;
    w.texts.push_back(*value);
    terms.push_back(fmt::format("{} ?{}", term, w.texts.size()));
  };
  text(f.dag_id, "dag_id =");
  text(f.run_id, "run_id =");
  text(f.task_id, "task_id =");
  text(f.action, "action =");
  text(f.username, "username COLLATE NOCASE =");
  text(f.source, "source =");
  if (!f.hidden_actions.empty()) {
    std::vector<std::string> params;
    for (const auto& a : f.hidden_actions) {
      w.texts.push_back(a);
      params.push_back(fmt::format("?{}", w.texts.size()));
    }
    terms.push_back(fmt::format("action NOT IN ({})", Join(params, ", ")));
  }
  size_t at = w.texts.size();
  if (f.after) {
    w.times.push_back(ToMicros(*f.after));
    terms.push_back(fmt::format("event_time >= ?{}", at + w.times.size()));
  }
  if (f.before) {
    w.times.push_back(ToMicros(*f.before));
    terms.push_back(fmt::format("event_time < ?{}", at + w.times.size()));
  }
  if (!terms.empty()) w.sql = " WHERE " + Join(terms, " AND ");
  return w;
}

void BindWhere(Statement& s, const Where& w) {
  int i = 1;
  for (const auto& t : w.texts) s.Bind(i++, t);
  for (int64_t t : w.times) s.Bind(i++, t);
}

}  // namespace

Result<int64_t> SqlStore::AddAuditEvent(const AuditEvent& event) {
  static const std::string kSql =
      fmt::format("INSERT INTO audit_event ({}) VALUES ({}) RETURNING id", kAuditColumns,
                  sql::Placeholders(kAuditColumns));
  if (event.action.empty())
    return Err(ErrorCode::kInvalidArgument, "an audit event needs an action");
  auto insert = TRY(db_->Prepare(kSql));
  sql::BindTime(insert, 1, event.when == Time{} ? Now() : event.when);
  insert.Bind(2, event.username).Bind(3, event.source).Bind(4, event.origin).Bind(5, event.action);
  insert.Bind(6, event.dag_id).Bind(7, event.run_id).Bind(8, event.task_id);
  insert.Bind(9, event.details.dump(-1, ' ', false, Json::error_handler_t::replace));
  if (!TRY(insert.Step())) {
    return Err(ErrorCode::kInternal, "recording audit event '{}' returned no id", event.action);
  }
  int64_t id = insert.Int64(0);
  TRY(insert.Run());  // finish the statement so the transaction can commit
  return id;
}

Result<AuditEvent> SqlStore::GetAuditEvent(int64_t id) {
  static const std::string kSql =
      fmt::format("SELECT id, {} FROM audit_event WHERE id = ?1", kAuditColumns);
  auto select = TRY(db_->Prepare(kSql));
  select.Bind(1, id);
  auto event = TRY(sql::FirstRow(select, ReadAuditEvent));
  if (!event.has_value()) return Err(ErrorCode::kNotFound, "no audit event with id {}", id);
  return *std::move(event);
}

Result<std::vector<AuditEvent>> SqlStore::ListAuditEvents(const AuditFilter& filter) {
  Where w = WhereOf(filter);
  std::string sql = fmt::format(
      "SELECT id, {} FROM audit_event{} ORDER BY event_time DESC, id DESC", kAuditColumns, w.sql);
  if (filter.limit > 0 || filter.offset > 0) {
    sql +=
        fmt::format(" LIMIT {} OFFSET {}", filter.limit > 0 ? int64_t{filter.limit} : sql::kNoLimit,
                    std::max(0, filter.offset));
  }
  auto select = TRY(db_->Prepare(sql));
  BindWhere(select, w);
  return sql::CollectRows(select, ReadAuditEvent);
}

Result<int64_t> SqlStore::CountAuditEvents(const AuditFilter& filter) {
  Where w = WhereOf(filter);
  auto count = TRY(db_->Prepare("SELECT COUNT(*) FROM audit_event" + w.sql));
  BindWhere(count, w);
  TRY(count.Step());
  return count.Int64(0);
}

Result<int> SqlStore::DeleteAuditEventsBefore(Time before) {
  auto remove = TRY(db_->Prepare("DELETE FROM audit_event WHERE event_time < ?1"));
  sql::BindTime(remove, 1, before);
  TRY(remove.Run());
  return db_->Changes();
}

}  // namespace weir
