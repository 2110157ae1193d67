#include "model/task_loader.h"

#include <algorithm>
#include <limits>
#include <map>

#include "base/ids.h"
#include "base/strings.h"
#include "model/template.h"

namespace weir {

namespace {

TaskHooks& Hooks(TaskSpec& t) {
  if (!t.hooks) t.hooks = TaskHooks{};
  return *t.hooks;
}

// Keys that configure how a task runs; allowed in tasks and in default_args.
const std::vector<std::string>& SettingKeys() {
  static const std::vector<std::string> kKeys = {"owner",
                                                 "retries",
                                                 "retry_delay",
                                                 "retry_exponential_backoff",
                                                 "max_retry_delay",
                                                 "execution_timeout",
                                                 "depends_on_past",
                                                 "trigger_rule",
                                                 "pool",
                                                 "pool_slots",
                                                 "queue",
                                                 "priority_weight",
                                                 "on_failure",
                                                 "on_retry",
                                                 "on_success",
                                                 "email",
                                                 "email_on_failure",
                                                 "email_on_retry"};
  return kKeys;
}

// Keys that only make sense on one task.
const std::vector<std::string>& TaskOnlyKeys() {
  static const std::vector<std::string> kKeys = {"task_id", "operator", "depends_on", "doc",
                                                 "doc_md"};
  return kKeys;
}

bool Contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string TriggerRuleList() {
  std::vector<std::string> names;
  for (int r = 0; r <= static_cast<int>(TriggerRule::kAlways); ++r) {
    names.emplace_back(TriggerRuleName(static_cast<TriggerRule>(r)));
  }
  return Join(names, ", ");
}

Result<int> ReadInt(const YamlReader& reader, const YamlEntry& e, int min) {
  int64_t v = TRY(reader.Integer(e));
  if (v < min) return reader.ErrorAt(e.value, "'{}' must be {} or more, got {}", e.key, min, v);
  if (v > std::numeric_limits<int>::max()) {
    return reader.ErrorAt(e.value, "'{}' is too large: {}", e.key, v);
  }
  return static_cast<int>(v);
}

// Applies one task-level setting (a key of SettingKeys()) to `s`.
Status ApplySetting(const YamlReader& reader, const YamlEntry& e, TaskDefaults* s) {
  TaskSpec& t = s->prototype;
  const std::string& k = e.key;
  if (k == "owner") {
    t.owner = TRY(reader.Text(e));
  } else if (k == "retries") {
    t.retries = TRY(ReadInt(reader, e, 0));
  } else if (k == "retry_delay") {
    t.retry_delay = TRY(reader.Dur(e));
  } else if (k == "retry_exponential_backoff") {
    t.retry_exponential_backoff = TRY(reader.Bool(e));
  } else if (k == "max_retry_delay") {
    t.max_retry_delay = TRY(reader.Dur(e));
  } else if (k == "execution_timeout") {
    t.execution_timeout = TRY(reader.Dur(e));
  } else if (k == "depends_on_past") {
    t.depends_on_past = TRY(reader.Bool(e));
  } else if (k == "trigger_rule") {
    std::string text = TRY(reader.Text(e));
    auto rule = ParseTriggerRule(text);
    if (!rule) {
      std::vector<std::string> names = Split(TriggerRuleList(), ',');
      for (auto& n : names) n = std::string(Trim(n));
      return reader.ErrorAt(e.value, "unknown trigger_rule '{}'{}; use one of {}", text,
                            DidYouMean(text, names), TriggerRuleList());
    }
    t.trigger_rule = *rule;
  } else if (k == "pool") {
    t.pool = TRY(reader.Text(e));
    if (auto bad = CheckId(IdKind::kPool, t.pool); !bad) {
      return reader.ErrorAt(e.value, "{}", bad.error().message);
    }
  } else if (k == "queue") {
    t.queue = TRY(reader.Text(e));
    if (auto bad = CheckId(IdKind::kQueue, t.queue); !bad) {
      return reader.ErrorAt(e.value, "{}", bad.error().message);
    }
  } else if (k == "pool_slots") {
    t.pool_slots = TRY(ReadInt(reader, e, 1));
  } else if (k == "priority_weight") {
    t.priority_weight = TRY(ReadInt(reader, e, std::numeric_limits<int>::min()));
  } else if (k == "on_failure") {
    Hooks(t).on_failure = TRY(reader.TextList(e));
  } else if (k == "on_retry") {
    Hooks(t).on_retry = TRY(reader.TextList(e));
  } else if (k == "on_success") {
    Hooks(t).on_success = TRY(reader.TextList(e));
  } else if (k == "email") {
    s->email = TRY(reader.TextList(e));
  } else if (k == "email_on_failure") {
    s->email_on_failure = TRY(reader.Bool(e));
  } else if (k == "email_on_retry") {
    s->email_on_retry = TRY(reader.Bool(e));
  }
  return {};
}

std::string_view TypeName(ArgType type) {
  switch (type) {
    case ArgType::kString:
      return "a string";
    case ArgType::kInteger:
      return "a whole number";
    case ArgType::kNumber:
      return "a number";
    case ArgType::kBoolean:
      return "true or false";
    case ArgType::kList:
      return "a list";
    case ArgType::kMap:
      return "a map";
    case ArgType::kAny:
      return "any value";
  }
  return "any value";
}

bool IsTemplated(const std::string& s) { return s.find("{{") != std::string::npos; }

// Converts an operator argument to JSON, checking it against its declared type. A templated
// string is accepted for numbers and booleans: it is checked once rendered.
Result<Json> ConvertArg(const YamlReader& reader, const YamlEntry& e, const ArgSpec& spec,
                        const std::string& task_id, const std::string& op) {
  YamlNode v = e.value;
  Json json = YamlReader::ToJson(v);
  bool ok = false;
  switch (spec.type) {
    case ArgType::kString:
      ok = v.IsScalar();
      if (ok) json = v.Scalar();  // text as written: `2021-01-01` and `42` stay text
      break;
    case ArgType::kInteger:
      ok = json.is_number_integer() || (json.is_string() && IsTemplated(json));
      break;
    case ArgType::kNumber:
      ok = json.is_number() || (json.is_string() && IsTemplated(json));
      break;
    case ArgType::kBoolean:
      ok = json.is_boolean() || (json.is_string() && IsTemplated(json));
      break;
    case ArgType::kList:
      ok = v.IsList();
      break;
    case ArgType::kMap:
      ok = v.IsMap();
      break;
    case ArgType::kAny:
      ok = true;
      break;
  }
  if (!ok) {
    return reader.ErrorAt(v, "argument '{}' of task '{}' must be {} (operator '{}'), got {}", e.key,
                          task_id, TypeName(spec.type), op,
                          v.IsScalar() ? "'" + v.Scalar() + "'" : std::string(Describe(v)));
  }
  return json;
}

// CheckTemplate on every string inside an argument, each with its own position.
Status CheckArgTemplates(const YamlReader& reader, YamlNode node, const std::string& path,
                         const std::string& task_id, const std::vector<std::string>& params) {
  if (node.IsList()) {
    for (size_t i = 0; i < node.size(); ++i) {
      TRY(CheckArgTemplates(reader, node[i], fmt::format("{}[{}]", path, i), task_id, params));
    }
  } else if (node.IsMap()) {
    for (size_t i = 0; i < node.size(); ++i) {
      TRY(CheckArgTemplates(reader, node.Value(i), path + "." + node.Key(i).Scalar(), task_id,
                            params));
    }
  } else if (node.IsScalar() && node.Scalar().find('{') != std::string::npos) {
    std::string pos = reader.Where(node);
    std::string where = fmt::format("{} task '{}' arg '{}'", pos, task_id, path);
    Status st = CheckTemplate(node.Scalar(), params, where);
    if (!st) {
      // Normalise to "file:line:col: task 'x' arg 'y': <problem>" whatever the engine's form.
      std::string_view msg = st.error().message;
      if (msg.starts_with(where)) msg.remove_prefix(where.size());
      while (!msg.empty() && (msg.front() == ':' || msg.front() == ' ')) msg.remove_prefix(1);
      return MakeError(st.error().code,
                       fmt::format("{}: task '{}' arg '{}': {}", pos, task_id, path, msg));
    }
  }
  return {};
}

std::string OperatorNames(const std::vector<OperatorSchema>& operators) {
  std::vector<std::string> names;
  names.reserve(operators.size());
  for (const auto& op : operators) names.push_back(op.name);
  std::sort(names.begin(), names.end());
  return names.empty() ? std::string("(none registered)") : Join(names, ", ");
}

// The operator's arguments for one task: its own, then default_args' that the operator takes.
Result<Json> ReadOperatorArgs(const YamlReader& reader, const YamlMap& task,
                              const OperatorSchema& op, const TaskDefaults& defaults,
                              const std::string& task_id, const std::vector<std::string>& params) {
  std::vector<const YamlEntry*> given;
  for (const auto& e : task.entries) {
    if (!Contains(SettingKeys(), e.key) && !Contains(TaskOnlyKeys(), e.key)) given.push_back(&e);
  }
  for (const auto& e : defaults.operator_args) {
    if (task.Find(e.key) == nullptr) given.push_back(&e);
  }
  Json args = Json::object();
  for (const YamlEntry* e : given) {
    auto spec = std::find_if(op.args.begin(), op.args.end(),
                             [&](const ArgSpec& a) { return a.name == e->key; });
    if (spec == op.args.end()) continue;  // a default_args key for other operators
    args[e->key] = TRY(ConvertArg(reader, *e, *spec, task_id, op.name));
    TRY(CheckArgTemplates(reader, e->value, e->key, task_id, params));
  }
  for (const auto& spec : op.args) {
    if (spec.required && !args.contains(spec.name)) {
      return reader.ErrorAt(task.node,
                            "task '{}' is missing required argument '{}' of operator '{}' "
                            "(expected {})",
                            task_id, spec.name, op.name, TypeName(spec.type));
    }
  }
  if (!op.one_of.empty() && std::none_of(op.one_of.begin(), op.one_of.end(),
                                         [&](auto& name) { return args.contains(name); })) {
    return reader.ErrorAt(task.node, "task '{}' needs one of the arguments {} of operator '{}'",
                          task_id, Join(op.one_of, ", "), op.name);
  }
  return args;
}

void AddEmailHooks(const TaskDefaults& s, TaskSpec* t) {
  for (const auto& address : s.email) {
    if (s.email_on_failure) Hooks(*t).on_failure.push_back("email:" + address);
    if (s.email_on_retry) Hooks(*t).on_retry.push_back("email:" + address);
  }
}

}  // namespace

Result<TaskDefaults> ReadDefaultArgs(const YamlReader& reader, const YamlEntry* default_args,
                                     const std::vector<OperatorSchema>& operators) {
  TaskDefaults defaults;
  defaults.prototype.owner = "weir";
  if (default_args == nullptr || IsNullNode(default_args->value)) return defaults;
  YamlMap map = TRY(reader.Map(default_args->value, "default_args"));
  std::vector<std::string> valid = SettingKeys();
  for (const auto& op : operators) {
    for (const auto& arg : op.args) {
      if (!Contains(valid, arg.name)) valid.push_back(arg.name);
    }
  }
  TRY(reader.CheckKeys(map, valid, "in default_args"));
  for (const auto& e : map.entries) {
    if (Contains(SettingKeys(), e.key)) {
      TRY(ApplySetting(reader, e, &defaults));
    } else {
      defaults.operator_args.push_back(e);
    }
  }
  return defaults;
}

Result<std::vector<LoadedTask>> ReadTasks(const YamlReader& reader, const YamlEntry& tasks,
                                          const TaskDefaults& defaults,
                                          const std::vector<OperatorSchema>& operators,
                                          const std::vector<std::string>& param_names) {
  if (!tasks.value.IsList()) {
    return reader.ErrorAt(tasks.value, "'tasks' must be a list of tasks (`- task_id: ...`), got {}",
                          Describe(tasks.value));
  }
  std::vector<LoadedTask> out;
  out.reserve(tasks.value.size());
  std::map<std::string, YamlNode> seen;
  for (size_t i = 0; i < tasks.value.size(); ++i) {
    const YamlNode item = tasks.value[i];
    YamlMap map = TRY(reader.Map(item, fmt::format("task #{}", i + 1)));
    const YamlEntry* id_entry = map.Find("task_id");
    if (id_entry == nullptr) {
      return reader.ErrorAt(item, "task #{} has no 'task_id'", i + 1);
    }
    std::string task_id = TRY(reader.Text(*id_entry));
    if (auto bad = CheckId(IdKind::kTask, task_id); !bad) {
      return reader.ErrorAt(id_entry->value, "{}", bad.error().message);
    }
    if (auto first = seen.find(task_id); first != seen.end()) {
      return reader.ErrorAt(id_entry->value, "duplicate task_id '{}' (first defined at {})",
                            task_id, reader.Where(first->second));
    }
    seen.emplace(task_id, id_entry->value);

    const YamlEntry* op_entry = map.Find("operator");
    if (op_entry == nullptr) {
      return reader.ErrorAt(item, "task '{}' has no 'operator'; known operators: {}", task_id,
                            OperatorNames(operators));
    }
    std::string op_name = TRY(reader.Text(*op_entry));
    auto op = std::find_if(operators.begin(), operators.end(),
                           [&](const OperatorSchema& o) { return o.name == op_name; });
    if (op == operators.end()) {
      std::vector<std::string> names;
      names.reserve(operators.size());
      for (const auto& o : operators) names.push_back(o.name);
      return reader.ErrorAt(op_entry->value,
                            "unknown operator '{}' in task '{}'{}; known operators: {}", op_name,
                            task_id, DidYouMean(op_name, names), OperatorNames(operators));
    }

    std::vector<std::string> valid = SettingKeys();
    valid.insert(valid.end(), TaskOnlyKeys().begin(), TaskOnlyKeys().end());
    for (const auto& arg : op->args) valid.push_back(arg.name);
    TRY(reader.CheckKeys(map, valid, fmt::format("in task '{}'", task_id)));

    TaskDefaults settings = defaults;
    LoadedTask loaded;
    loaded.task_id_node = id_entry->value;
    for (const auto& e : map.entries) {
      if (Contains(SettingKeys(), e.key)) {
        TRY(ApplySetting(reader, e, &settings));
      } else if (e.key == "depends_on") {
        if (e.value.IsScalar()) {
          loaded.upstream_nodes.push_back(e.value);
        } else if (e.value.IsList()) {
          for (YamlNode up : e.value) loaded.upstream_nodes.push_back(up);
        } else if (!IsNullNode(e.value)) {
          return reader.ErrorAt(e.value, "'depends_on' must be a task id or a list of them, got {}",
                                Describe(e.value));
        }
      }
    }
    TaskSpec& t = loaded.spec;
    t = settings.prototype;
    t.task_id = task_id;
    t.operator_name = op_name;
    t.pos = reader.Pos(item);
    AddEmailHooks(settings, &t);
    for (const char* key : {"doc", "doc_md"}) {
      if (const YamlEntry* doc = map.Find(key)) t.doc_md = TRY(reader.Text(*doc));
    }
    for (const auto& up : loaded.upstream_nodes) {
      if (!up.IsScalar()) {
        return reader.ErrorAt(up, "items of 'depends_on' must be task ids, got {}", Describe(up));
      }
      t.upstream.push_back(up.Scalar());
    }
    t.args = TRY(ReadOperatorArgs(reader, map, *op, defaults, task_id, param_names));
    out.push_back(std::move(loaded));
  }
  return out;
}

}  // namespace weir
