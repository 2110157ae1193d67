#include "model/template_context.h"

#include "base/strings.h"
#include "model/dag.h"
#include "model/template_macros.h"
#include "template/eval.h"

namespace weir::jinja {

namespace {

// An object whose attributes are a fixed list of names, for "did you mean".
class ContextObject : public Object {
 protected:
  std::unexpected<EvalError> NoAttr(std::string_view object, std::string_view name,
                                    const std::vector<std::string>& names) const {
    return Missing(fmt::format("{} has no attribute '{}'", object, name), DidYouMean(name, names));
  }
};

Value Date(Time t, const TemplateContext& ctx) { return MakeDate(t, ctx.zone); }
Value OptionalDate(const std::optional<Time>& t, const TemplateContext& ctx) {
  return t ? Date(*t, ctx) : Value();
}
Value Strings(const std::vector<std::string>& items) {
  List out;
  for (const auto& s : items) out.push_back(Value::Str(s));
  return Value::MakeList(std::move(out));
}

class DagObject : public ContextObject {
 public:
  explicit DagObject(const TemplateContext& ctx) : ctx_(ctx) {}
  std::string Repr() const override {
    return fmt::format("<DAG: {}>", ctx_.dag ? ctx_.dag->dag_id : "?");
  }
  Eval<Value> Attr(std::string_view name) const override {
    const DagSpec* d = ctx_.dag;
    if (d == nullptr) return Missing(fmt::format("dag.{} is not known here (no DAG)", name));
    if (name == "dag_id") return Value::Str(d->dag_id);
    if (name == "description") return Value::Str(d->description);
    if (name == "owner") return Value::Str(d->owner);
    if (name == "tags") return Strings(d->tags);
    if (name == "timezone") return Value::Str(d->timezone);
    if (name == "schedule" || name == "schedule_interval") return Value::Str(d->schedule);
    if (name == "fileloc") return Value::Str(d->fileloc);
    if (name == "catchup") return Value::Bool(d->catchup);
    if (name == "max_active_runs") return Value::Int(d->max_active_runs);
    if (name == "max_active_tasks") return Value::Int(d->max_active_tasks);
    if (name == "start_date") return OptionalDate(d->start_date, ctx_);
    if (name == "end_date") return OptionalDate(d->end_date, ctx_);
    if (name == "task_ids") {
      std::vector<std::string> ids;
      ids.reserve(d->tasks.size());
      for (const auto& t : d->tasks) ids.push_back(t.task_id);
      return Strings(ids);
    }
    return NoAttr("dag", name,
                  {"dag_id", "description", "owner", "tags", "timezone", "schedule",
                   "schedule_interval", "fileloc", "catchup", "max_active_runs", "max_active_tasks",
                   "start_date", "end_date", "task_ids"});
  }

 private:
  const TemplateContext& ctx_;
};

class DagRunObject : public ContextObject {
 public:
  explicit DagRunObject(const TemplateContext& ctx) : ctx_(ctx) {}
  std::string Repr() const override {
    return fmt::format("<DagRun {} @ {}: {}>", ctx_.dag ? ctx_.dag->dag_id : "?",
                       FormatIsoOffset(ctx_.logical_date, ctx_.zone), ctx_.run_id);
  }
  Eval<Value> Attr(std::string_view name) const override {
    if (name == "run_id") return Value::Str(ctx_.run_id);
    if (name == "run_type") return Value::Str(ctx_.run_type);
    if (name == "conf") {
      static const auto* empty = new Json(Json::object());
      return Value::Dict(JsonRef{nullptr, ctx_.conf.is_object() ? &ctx_.conf : empty});
    }
    if (name == "logical_date" || name == "execution_date") return Date(ctx_.logical_date, ctx_);
    if (name == "data_interval_start") return Date(ctx_.data_interval_start, ctx_);
    if (name == "data_interval_end") return Date(ctx_.data_interval_end, ctx_);
    if (name == "external_trigger") return Value::Bool(ctx_.run_type == "manual");
    if (name == "dag_id" && ctx_.dag) return Value::Str(ctx_.dag->dag_id);
    return NoAttr("dag_run", name,
                  {"run_id", "run_type", "conf", "logical_date", "execution_date",
                   "data_interval_start", "data_interval_end", "external_trigger", "dag_id"});
  }

 private:
  const TemplateContext& ctx_;
};

class TaskObject : public ContextObject {
 public:
  explicit TaskObject(const TemplateContext& ctx) : ctx_(ctx) {}
  std::string Repr() const override { return fmt::format("<Task: {}>", ctx_.task_id); }
  Eval<Value> Attr(std::string_view name) const override {
    if (name == "task_id") return Value::Str(ctx_.task_id);
    const TaskSpec* t = ctx_.dag ? ctx_.dag->FindTask(ctx_.task_id) : nullptr;
    if (t != nullptr) {
      if (name == "dag_id") return Value::Str(ctx_.dag->dag_id);
      if (name == "owner") return Value::Str(t->owner);
      if (name == "operator" || name == "task_type") return Value::Str(t->operator_name);
      if (name == "retries") return Value::Int(t->retries);
      if (name == "pool") return Value::Str(t->pool);
      if (name == "pool_slots") return Value::Int(t->pool_slots);
      if (name == "priority_weight") return Value::Int(t->priority_weight);
      if (name == "upstream_task_ids") return Strings(t->upstream);
      if (name == "trigger_rule") return Value::Str(std::string(TriggerRuleName(t->trigger_rule)));
    }
    return NoAttr("task", name,
                  {"task_id", "dag_id", "owner", "operator", "task_type", "retries", "pool",
                   "pool_slots", "priority_weight", "upstream_task_ids", "trigger_rule"});
  }

 private:
  const TemplateContext& ctx_;
};

class TaskInstanceObject : public ContextObject {
 public:
  explicit TaskInstanceObject(const TemplateContext& ctx) : ctx_(ctx) {}
  std::string Repr() const override {
    return fmt::format("<TaskInstance: {}.{} {} [running]>", ctx_.dag ? ctx_.dag->dag_id : "?",
                       ctx_.task_id, ctx_.run_id);
  }
  Eval<Value> Attr(std::string_view name) const override {
    if (name == "task_id") return Value::Str(ctx_.task_id);
    if (name == "run_id") return Value::Str(ctx_.run_id);
    if (name == "try_number") return Value::Int(ctx_.try_number);
    if (name == "map_index") return Value::Int(-1);
    if (name == "logical_date" || name == "execution_date") return Date(ctx_.logical_date, ctx_);
    if (name == "dag_id" && ctx_.dag) return Value::Str(ctx_.dag->dag_id);
    if (name == "xcom_pull") return Fail("ti.xcom_pull is a method: ti.xcom_pull('task_id')");
    return NoAttr("ti", name,
                  {"task_id", "run_id", "try_number", "map_index", "logical_date", "execution_date",
                   "dag_id", "xcom_pull"});
  }
  Eval<Value> Call(std::string_view method, const CallArgs& args) const override {
    if (method != "xcom_pull") {
      return Unknown(fmt::format("ti has no method '{}'", method),
                     DidYouMean(method, {"xcom_pull"}));
    }
    TRY(args.Expect("ti.xcom_pull",
                    {"task_ids", "dag_id", "key", "include_prior_dates", "map_indexes"}));
    const Value* task_ids = args.Get(0, "task_ids");
    const Value* dag_id = args.Get(1, "dag_id");
    const Value* key = args.Get(2, "key");
    const Value* prior = args.Get(3, "include_prior_dates");
    if (task_ids == nullptr || task_ids->is_none()) {
      return Fail("ti.xcom_pull() needs task_ids: ti.xcom_pull('upstream_task')");
    }
    if (dag_id != nullptr && !dag_id->is_none() &&
        !(ctx_.dag && dag_id->is(Value::Kind::kString) && dag_id->str() == ctx_.dag->dag_id)) {
      return Fail("ti.xcom_pull() from another DAG ({}) is not supported", jinja::Repr(*dag_id));
    }
    if (prior != nullptr && Truthy(*prior)) {
      return Fail("ti.xcom_pull(include_prior_dates=True) is not supported");
    }
    std::string key_text = key && !key->is_none() ? ToOutput(*key) : "return_value";
    if (task_ids->is(Value::Kind::kList)) {
      List out;
      for (const auto& id : task_ids->list()) out.push_back(TRY(Pull(ToOutput(id), key_text)));
      return Value::MakeList(std::move(out));
    }
    return Pull(ToOutput(*task_ids), key_text);
  }

 private:
  Eval<Value> Pull(const std::string& task_id, const std::string& key) const {
    if (!ctx_.xcom_pull) return Fail("ti.xcom_pull() is not available here");
    auto json = ctx_.xcom_pull(task_id, key);
    if (!json) {
      std::string problem = fmt::format("ti.xcom_pull(task_ids='{}', key='{}') failed: {}", task_id,
                                        key, json.error().message);
      if (json.error().code == ErrorCode::kNotFound) return Missing(std::move(problem));
      return Failure(json.error().code, std::move(problem));
    }
    return FromOwnedJson(std::move(*json));
  }

  const TemplateContext& ctx_;
};

// var.value.<key> and var.json.<key> (also .get(key, default)).
class VariableObject : public ContextObject {
 public:
  VariableObject(const TemplateContext& ctx, bool json) : ctx_(ctx), json_(json) {}
  std::string Repr() const override { return json_ ? "<var.json>" : "<var.value>"; }
  Eval<Value> Attr(std::string_view name) const override { return Get(name); }
  Eval<Value> Call(std::string_view method, const CallArgs& args) const override {
    if (method != "get") return Attr(method);
    TRY(args.Expect("get", {"key", "default_var"}));
    const Value* key = args.Get(0, "key");
    if (key == nullptr || !key->is(Value::Kind::kString)) return Fail("get() needs a key");
    auto v = Get(key->str());
    if (!v && v.error().undefined) {
      const Value* fallback = args.Get(1, "default_var");
      return fallback ? *fallback : Value();
    }
    return v;
  }

 private:
  Eval<Value> Get(std::string_view key) const {
    if (!ctx_.variable) return Fail("variables are not available here");
    auto text = ctx_.variable(key);
    if (!text) {
      if (text.error().code == ErrorCode::kNotFound) {
        return Missing(fmt::format("variable '{}' is not set", key));
      }
      return Failure(text.error().code,
                     fmt::format("cannot read variable '{}': {}", key, text.error().message));
    }
    if (!json_) return Value::Str(std::move(*text));
    auto parsed = ParseJson(*text, fmt::format("variable '{}'", key));
    if (!parsed) {
      // The parser quotes what it last read: a piece of the value, which may be a secret's
      // and too short a piece for the masker to recognise. Say where, never what.
      std::string message = parsed.error().message;
      message = message.substr(0, message.find("; last read"));
      return Fail("var.json.{}: {}", key, message);
    }
    return FromOwnedJson(std::move(*parsed));
  }

  const TemplateContext& ctx_;
  bool json_;
};

class VarObject : public ContextObject {
 public:
  explicit VarObject(const TemplateContext& ctx) : value_(ctx, false), json_(ctx, true) {}
  std::string Repr() const override { return "<var>"; }
  Eval<Value> Attr(std::string_view name) const override {
    if (name == "value") return Value::Obj(&value_);
    if (name == "json") return Value::Obj(&json_);
    return NoAttr("var", name, {"value", "json"});
  }

 private:
  VariableObject value_;
  VariableObject json_;
};

class ConnObject : public ContextObject {
 public:
  explicit ConnObject(const TemplateContext& ctx) : ctx_(ctx) {}
  std::string Repr() const override { return "<conn>"; }
  Eval<Value> Attr(std::string_view conn_id) const override {
    if (!ctx_.connection) return Fail("connections are not available here");
    auto json = ctx_.connection(conn_id);
    if (!json) {
      if (json.error().code == ErrorCode::kNotFound) {
        return Missing(fmt::format("connection '{}' does not exist", conn_id));
      }
      return Failure(json.error().code,
                     fmt::format("cannot read connection '{}': {}", conn_id, json.error().message));
    }
    return FromOwnedJson(std::move(*json));
  }

 private:
  const TemplateContext& ctx_;
};

class ContextGlobals : public Globals {
 public:
  explicit ContextGlobals(const TemplateContext& ctx)
      : ctx_(ctx), dag_(ctx), dag_run_(ctx), task_(ctx), ti_(ctx), var_(ctx), conn_(ctx) {}

  Eval<Value> Lookup(std::string_view name) const override {
    const TemplateContext& c = ctx_;
    if (name == "ds") return Value::Str(FormatTime(c.logical_date, "%Y-%m-%d", c.zone));
    if (name == "ds_nodash") return Value::Str(FormatTime(c.logical_date, "%Y%m%d", c.zone));
    if (name == "ts") return Value::Str(DateIso(Date(c.logical_date, c).date()));
    if (name == "ts_nodash") {
      return Value::Str(FormatTime(c.logical_date, "%Y%m%dT%H%M%S", c.zone));
    }
    if (name == "ts_nodash_with_tz") {
      std::string ts = DateIso(Date(c.logical_date, c).date());
      std::erase_if(ts, [](char ch) { return ch == '-' || ch == ':'; });
      return Value::Str(std::move(ts));
    }
    if (name == "logical_date" || name == "execution_date") return Date(c.logical_date, c);
    if (name == "data_interval_start") return Date(c.data_interval_start, c);
    if (name == "data_interval_end") return Date(c.data_interval_end, c);
    if (name == "prev_data_interval_start_success") {
      return OptionalDate(c.prev_data_interval_start_success, c);
    }
    if (name == "prev_data_interval_end_success") {
      return OptionalDate(c.prev_data_interval_end_success, c);
    }
    if (name == "run_id") return Value::Str(c.run_id);
    if (name == "params") {
      static const auto* empty = new Json(Json::object());
      return Value::Dict(JsonRef{nullptr, c.params.is_object() ? &c.params : empty});
    }
    if (name == "ti" || name == "task_instance") return Value::Obj(&ti_);
    if (name == "task") return Value::Obj(&task_);
    if (name == "dag") return Value::Obj(&dag_);
    if (name == "dag_run") return Value::Obj(&dag_run_);
    if (name == "var") return Value::Obj(&var_);
    if (name == "conn") return Value::Obj(&conn_);
    if (name == "macros") return Value::Obj(&Macros());
    if (name.starts_with("yesterday_ds") || name.starts_with("tomorrow_ds")) {
      bool nodash = name.ends_with("_nodash");
      if (nodash || name == "yesterday_ds" || name == "tomorrow_ds") {
        DateValue d = Date(c.logical_date, c).date();
        d = AddToDate(d, 0, name.starts_with("yesterday") ? -1 : 1, 0);
        return Value::Str(FormatTime(d.t, nodash ? "%Y%m%d" : "%Y-%m-%d", d.zone));
      }
    }
    if (name == "task_instance_key_str") {
      return Value::Str(fmt::format("{}__{}__{}", c.dag ? c.dag->dag_id : "", c.task_id,
                                    FormatTime(c.logical_date, "%Y%m%d", c.zone)));
    }
    if (name == "range") return Fail("range is a function: range(n)");
    return Missing(fmt::format("unknown name '{}'", name), DidYouMean(name, TemplateNames()));
  }

 private:
  const TemplateContext& ctx_;
  DagObject dag_;
  DagRunObject dag_run_;
  TaskObject task_;
  TaskInstanceObject ti_;
  VarObject var_;
  ConnObject conn_;
};

}  // namespace

Result<std::string> RenderWithContext(const TemplateNode& root, const TemplateContext& ctx,
                                      std::string_view where) {
  ContextGlobals globals(ctx);
  return RenderTemplate(root, globals, where);
}

}  // namespace weir::jinja
