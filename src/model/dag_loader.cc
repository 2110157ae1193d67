#include "model/dag_loader.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/hash.h"
#include "base/ids.h"
#include "model/task_loader.h"
#include "model/yaml_limits.h"
#include "model/yaml_reader.h"

namespace weir {

namespace {

const std::vector<std::string>& DagKeys() {
  static const std::vector<std::string> kKeys = {"dag_id",
                                                 "description",
                                                 "doc_md",
                                                 "schedule",
                                                 "schedule_interval",
                                                 "timezone",
                                                 "start_date",
                                                 "end_date",
                                                 "catchup",
                                                 "max_active_runs",
                                                 "max_active_tasks",
                                                 "dagrun_timeout",
                                                 "tags",
                                                 "params",
                                                 "strict_conf",
                                                 "default_args",
                                                 "tasks",
                                                 "is_paused_upon_creation"};
  return kKeys;
}

Result<std::optional<Time>> ReadDate(const YamlReader& reader, const YamlEntry* e,
                                     const date::time_zone* zone) {
  if (e == nullptr || IsNullNode(e->value)) return std::optional<Time>();
  std::string text = TRY(reader.Text(*e));
  auto t = ParseDateTime(text, zone);
  if (!t) return reader.WrapAt(e->value, t.error(), e->key);
  return std::optional<Time>(*t);
}

// The schedule entry: `schedule`, or Airflow's older `schedule_interval`, not both.
Result<const YamlEntry*> ScheduleEntry(const YamlReader& reader, const YamlMap& top) {
  const YamlEntry* schedule = top.Find("schedule");
  const YamlEntry* legacy = top.Find("schedule_interval");
  if (schedule != nullptr && legacy != nullptr) {
    return reader.ErrorAt(legacy->key_node,
                          "both 'schedule' and 'schedule_interval' are set; keep only 'schedule' "
                          "(schedule_interval is its older name)");
  }
  return schedule != nullptr ? schedule : legacy;
}

Status ReadDagSettings(const YamlReader& reader, const YamlMap& top, DagSpec* dag) {
  for (const auto& e : top.entries) {
    if (e.key == "description") {
      dag->description = TRY(reader.Text(e));
    } else if (e.key == "doc_md") {
      dag->doc_md = TRY(reader.Text(e));
    } else if (e.key == "catchup") {
      dag->catchup = TRY(reader.Bool(e));
    } else if (e.key == "is_paused_upon_creation") {
      dag->is_paused_upon_creation = TRY(reader.Bool(e));
    } else if (e.key == "strict_conf") {
      dag->strict_conf = TRY(reader.Bool(e));
    } else if (e.key == "max_active_runs" || e.key == "max_active_tasks") {
      int64_t v = TRY(reader.Integer(e));
      if (v < 1 || v > 1'000'000) {
        return reader.ErrorAt(e.value, "'{}' must be between 1 and 1000000, got {}", e.key, v);
      }
      (e.key == "max_active_runs" ? dag->max_active_runs : dag->max_active_tasks) =
          static_cast<int>(v);
    } else if (e.key == "dagrun_timeout") {
      if (!IsNullNode(e.value)) dag->dagrun_timeout = TRY(reader.Dur(e));
    } else if (e.key == "tags") {
      dag->tags = TRY(reader.TextList(e));
    }
  }
  return {};
}

Status ReadTimes(const YamlReader& reader, const YamlMap& top, DagSpec* dag) {
  const date::time_zone* zone = nullptr;
  if (const YamlEntry* tz = top.Find("timezone")) {
    dag->timezone = TRY(reader.Text(*tz));
    auto found = FindZone(dag->timezone);
    if (!found) return reader.WrapAt(tz->value, found.error());
    zone = *found;
  } else {
    zone = TRY(FindZone(dag->timezone));
  }
  const YamlEntry* start = top.Find("start_date");
  const YamlEntry* end = top.Find("end_date");
  dag->start_date = TRY(ReadDate(reader, start, zone));
  dag->end_date = TRY(ReadDate(reader, end, zone));
  if (dag->start_date && dag->end_date && *dag->end_date < *dag->start_date) {
    return reader.ErrorAt(end->value, "end_date {} is before start_date {}: swap them or fix one",
                          FormatIso(*dag->end_date), FormatIso(*dag->start_date));
  }

  const YamlEntry* schedule = TRY(ScheduleEntry(reader, top));
  if (schedule != nullptr && !IsNullNode(schedule->value)) {
    if (!schedule->value.IsScalar()) {
      return reader.ErrorAt(schedule->value,
                            "'{}' must be a cron expression, @daily-style preset, \"every 6h\" or "
                            "null, got {}",
                            schedule->key, Describe(schedule->value));
    }
    dag->schedule = schedule->value.Scalar();
  }
  auto timetable = MakeTimetable(dag->schedule, dag->timezone, dag->start_date);
  if (!timetable) {
    // MakeTimetable's messages name the schedule and the valid forms already.
    return reader.WrapAt(schedule != nullptr ? schedule->value : top.node, timetable.error());
  }
  dag->timetable = *timetable;
  if (dag->timetable->periodic() && !dag->start_date) {
    return reader.ErrorAt(schedule->value,
                          "schedule '{}' needs a start_date: the first interval starts there "
                          "(add e.g. `start_date: 2024-01-01`)",
                          dag->schedule);
  }
  return {};
}

Result<std::string> ReadDagId(const YamlReader& reader, const YamlMap& top,
                              const std::string& fileloc) {
  if (const YamlEntry* id = top.Find("dag_id")) {
    std::string dag_id = TRY(reader.Text(*id));
    if (auto bad = CheckId(IdKind::kDag, dag_id); !bad) {
      return reader.ErrorAt(id->value, "{}", bad.error().message);
    }
    return dag_id;
  }
  std::string stem = std::filesystem::path(fileloc).stem().string();
  if (auto bad = CheckId(IdKind::kDag, stem); !bad) {
    return reader.ErrorAt(top.node, "the file name gives the dag_id: {}; or set `dag_id:`",
                          bad.error().message);
  }
  return stem;
}

Result<DagSpec> ParseDocument(const YamlReader& reader, YamlNode doc, const std::string& fileloc,
                              const std::vector<OperatorSchema>& operators) {
  YamlMap top = TRY(reader.Map(doc, "a DAG file"));
  TRY(reader.CheckKeys(top, DagKeys(), "at the top level of the DAG file"));
  DagSpec dag;
  dag.dag_id = TRY(ReadDagId(reader, top, fileloc));
  TRY(ReadDagSettings(reader, top, &dag));
  TRY(ReadTimes(reader, top, &dag));
  dag.params = TRY(ReadParams(reader, top.Find("params")));
  std::vector<std::string> param_names;
  param_names.reserve(dag.params.size());
  for (const auto& p : dag.params) param_names.push_back(p.name);

  TaskDefaults defaults = TRY(ReadDefaultArgs(reader, top.Find("default_args"), operators));
  dag.owner = defaults.prototype.owner;
  const YamlEntry* tasks = top.Find("tasks");
  if (tasks == nullptr) {
    return reader.ErrorAt(doc,
                          "DAG '{}' has no 'tasks': add a list such as "
                          "`tasks: [{{task_id: hello, operator: bash, command: echo hi}}]`",
                          dag.dag_id);
  }
  std::vector<LoadedTask> loaded;
  if (!IsNullNode(tasks->value)) {
    loaded = TRY(ReadTasks(reader, *tasks, defaults, operators, param_names));
  }
  TRY(CheckTaskGraph(reader, loaded));
  dag.tasks.reserve(loaded.size());
  for (auto& t : loaded) dag.tasks.push_back(std::move(t.spec));
  dag.IndexTasks();
  return dag;
}

}  // namespace

Result<DagSpec> ParseDag(std::string_view yaml_text, const std::string& fileloc,
                         const std::vector<OperatorSchema>& operators) {
  YamlReader reader(fileloc);
  // Limits are checked as the tree is built: the walks below are linear in the expanded size
  // and recursive.
  YamlTree tree = TRY(ParseYaml(yaml_text, fileloc));
  if (tree.documents() == 0 || IsNullNode(tree.document(0))) {
    return Err(ErrorCode::kInvalidArgument,
               "{}:1:1: the DAG file is empty: write a map with at least 'tasks' (and usually "
               "'schedule' and 'start_date')",
               fileloc);
  }
  if (tree.documents() > 1) {
    return reader.ErrorAt(tree.document(1),
                          "a second YAML document ('---'): a DAG file holds exactly one DAG; "
                          "move it to a file of its own");
  }
  DagSpec dag = TRY(ParseDocument(reader, tree.document(0), fileloc, operators));
  dag.fileloc = fileloc;
  dag.source = std::string(yaml_text);
  dag.source_hash = Sha256Hex(yaml_text);
  return dag;
}

Result<DagSpec> LoadDagFile(const std::string& path, const std::vector<OperatorSchema>& operators) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Err(ErrorCode::kIo, "{}: cannot read DAG file: {}", path, std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return Err(ErrorCode::kIo, "{}: cannot read DAG file: {}", path, std::strerror(errno));
  }
  DagSpec dag = TRY(ParseDag(text.str(), path, operators));
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(path, ec);
  if (!ec) dag.fileloc = abs.lexically_normal().string();
  return dag;
}

}  // namespace weir
