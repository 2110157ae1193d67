#include "store/records_json.h"

#include "base/time.h"

namespace weir {

Json OptTime(const std::optional<Time>& t) { return t ? Json(FormatIso(*t)) : Json(); }

namespace {

Json OptInt(const std::optional<int64_t>& v) { return v ? Json(*v) : Json(); }

}  // namespace

Json DagRowJson(const DagRow& d) {
  return Json{{"dag_id", d.dag_id},
              {"fileloc", d.fileloc},
              {"is_paused", d.is_paused},
              {"is_active", d.is_active},
              {"latest_version_id", d.latest_version_id},
              {"description", d.description},
              {"schedule", d.schedule},
              {"timezone", d.timezone},
              {"owner", d.owner},
              {"tags", d.tags},
              {"last_parsed_at", FormatIso(d.last_parsed_at)}};
}

Json DagRunJson(const DagRun& r) {
  return Json{{"dag_id", r.dag_id},
              {"run_id", r.run_id},
              {"run_type", RunTypeName(r.run_type)},
              {"state", RunStateName(r.state)},
              {"logical_date", FormatIso(r.logical_date)},
              {"data_interval_start", FormatIso(r.data_interval_start)},
              {"data_interval_end", FormatIso(r.data_interval_end)},
              {"queued_at", FormatIso(r.queued_at)},
              {"start_date", OptTime(r.start_date)},
              {"end_date", OptTime(r.end_date)},
              {"conf", r.conf},
              {"version_id", r.version_id},
              {"state_reason", r.reason},
              {"note", ""}};  // people's note: the API fills it in (Note)
}

Json TaskMarkJson(const TaskMark& mark) {
  return Json{
      {"by", mark.by}, {"at", FormatIso(mark.at)}, {"from_state", TaskStateName(mark.from)}};
}

Json TaskInstanceJson(const TaskInstance& ti) {
  return Json{{"dag_id", ti.dag_id},
              {"run_id", ti.run_id},
              {"task_id", ti.task_id},
              {"state", TaskStateName(ti.state)},
              {"try_number", ti.try_number},
              {"max_tries", ti.max_tries},
              {"operator", ti.operator_name},
              {"pool", ti.pool},
              {"pool_slots", ti.pool_slots},
              {"priority_weight", ti.priority_weight},
              {"start_date", OptTime(ti.start_date)},
              {"end_date", OptTime(ti.end_date)},
              {"next_retry_at", OptTime(ti.next_retry_at)},
              {"queued_at", OptTime(ti.queued_at)},
              {"error", ti.error},
              {"marked", ti.marked ? TaskMarkJson(*ti.marked) : Json()},
              {"note", ""}};  // people's note: the API fills it in (Note)
}

Json TaskTryJson(const TaskTry& t) {
  return Json{{"dag_id", t.dag_id},
              {"run_id", t.run_id},
              {"task_id", t.task_id},
              {"try_number", t.try_number},
              {"state", TaskStateName(t.state)},
              {"queued_at", FormatIso(t.queued_at)},
              {"start_date", OptTime(t.start_date)},
              {"end_date", OptTime(t.end_date)},
              {"hostname", t.hostname},
              {"pid", t.pid},
              {"exit_code", t.exit_code ? Json(*t.exit_code) : Json()},
              {"error", t.error},
              {"version_id", t.version_id},
              {"rendered_args", t.rendered_args}};
}

Json ImportErrorJson(const ImportError& e) {
  return Json{
      {"fileloc", e.fileloc}, {"message", e.message}, {"timestamp", FormatIso(e.timestamp)}};
}

Json VariableJson(const Variable& v) {
  return Json{{"key", v.key},
              {"value", v.is_secret ? std::string("***") : v.value},
              {"description", v.description},
              {"is_secret", v.is_secret}};
}

Json PoolJson(const Pool& p) {
  return Json{{"name", p.name}, {"slots", p.slots}, {"description", p.description}};
}

Json LakeObjectJson(const LakeObject& o) {
  return Json{{"uri", o.uri},
              {"lake", o.store_uri},
              {"key", o.key},
              {"dataset", o.dataset},
              {"format", o.format},
              {"size", o.size},
              {"sha256", o.sha256},
              {"etag", o.etag},
              {"rows", OptInt(o.rows)},
              {"columns", o.columns},
              {"schema_version", o.schema_version},
              {"warning", o.warning},
              {"source_url", o.source_url},
              {"source_etag", o.source_etag},
              {"source_last_modified", o.source_last_modified},
              {"dag_id", o.dag_id},
              {"run_id", o.run_id},
              {"task_id", o.task_id},
              {"try_number", o.try_number},
              {"created_at", FormatIso(o.created_at)},
              {"replaced_at", OptTime(o.replaced_at)}};
}

Json DatasetSchemaJson(const DatasetSchema& s) {
  return Json{{"dataset", s.dataset},
              {"version", s.version},
              {"columns", s.columns},
              {"change", s.change},
              {"policy", s.policy},
              {"first_uri", s.first_uri},
              {"created_at", FormatIso(s.created_at)}};
}

Json DatasetSummaryJson(const DatasetSummary& d) {
  return Json{{"dataset", d.dataset},
              {"objects", d.objects},
              {"size", d.size},
              {"rows", OptInt(d.rows)},
              {"schema_version", d.schema_version},
              {"updated_at", FormatIso(d.updated_at)},
              {"warnings", d.warnings}};
}

Json AuditEventJson(const AuditEvent& e) {
  auto id_or_null = [](const std::string& id) { return id.empty() ? Json() : Json(id); };
  return Json{{"event_log_id", e.id},
              {"when", FormatIso(e.when)},
              {"event", e.action},
              {"owner", e.username},
              {"source", e.source},
              {"origin", e.origin},
              {"dag_id", id_or_null(e.dag_id)},
              {"run_id", id_or_null(e.run_id)},
              {"task_id", id_or_null(e.task_id)},
              {"extra", e.details}};
}

}  // namespace weir
