// Airflow's `macros`: ds_add, ds_format, datetime, timedelta.

#include <sstream>

#include <date/date.h>

#include "base/strings.h"
#include "model/template_macros.h"
#include "template/eval.h"

namespace weir::jinja {

namespace {

const std::vector<std::string>& MacroNames() {
  static const auto* names =
      new std::vector<std::string>{"ds_add", "ds_format", "datetime", "timedelta"};
  return *names;
}

Eval<Time> DsArg(const Value* v, std::string_view fn) {
  if (v == nullptr) return Fail("macros.{}() needs a date string such as ds", fn);
  if (v->is(Value::Kind::kDate)) return v->date().t;
  if (!v->is(Value::Kind::kString)) {
    return Fail("macros.{}() needs a date string such as ds, not {}", fn, TypeName(*v));
  }
  auto t = ParseDateTime(v->str());
  if (!t) return Fail("macros.{}(): {}", fn, t.error().message);
  return *t;
}

Eval<Value> DsAdd(const CallArgs& args) {
  TRY(args.Expect("macros.ds_add", {"ds", "days"}));
  Time t = TRY(DsArg(args.Get(0, "ds"), "ds_add"));
  const Value* days = args.Get(1, "days");
  if (days == nullptr) return Fail("macros.ds_add() needs the number of days");
  int64_t n = TRY(ToInt(*days, "days"));
  return Value::Str(FormatTime(t + std::chrono::days{n}, "%Y-%m-%d"));
}

Eval<Value> DsFormat(const CallArgs& args) {
  TRY(args.Expect("macros.ds_format", {"ds", "input_format", "output_format"}));
  const Value* ds = args.Get(0, "ds");
  const Value* in_format = args.Get(1, "input_format");
  const Value* out_format = args.Get(2, "output_format");
  if (ds == nullptr || in_format == nullptr || out_format == nullptr) {
    return Fail("macros.ds_format() needs (ds, input_format, output_format)");
  }
  std::string text = ToOutput(*ds);
  std::istringstream in(text);
  date::local_seconds parsed;
  in >> date::parse(ToOutput(*in_format), parsed);
  if (in.fail()) {
    return Fail("macros.ds_format(): '{}' does not match the format '{}'", text,
                ToOutput(*in_format));
  }
  Time t{std::chrono::duration_cast<Micros>(parsed.time_since_epoch())};
  return Value::Str(FormatTime(t, ToOutput(*out_format)));
}

Eval<Value> Datetime(const CallArgs& args) {
  static const std::vector<std::string> kNames = {"year",   "month",  "day",        "hour",
                                                  "minute", "second", "microsecond"};
  TRY(args.Expect("macros.datetime", kNames));
  int64_t f[7] = {0, 1, 1, 0, 0, 0, 0};
  for (size_t i = 0; i < kNames.size(); ++i) {
    const Value* v = args.Get(i, kNames[i]);
    if (v != nullptr) f[i] = TRY(ToInt(*v, kNames[i]));
    if (v == nullptr && i < 3) return Fail("macros.datetime() needs year, month and day");
  }
  std::chrono::year_month_day ymd{std::chrono::year{static_cast<int>(f[0])},
                                  std::chrono::month{static_cast<unsigned>(f[1])},
                                  std::chrono::day{static_cast<unsigned>(f[2])}};
  if (!ymd.ok() || f[3] < 0 || f[3] > 23 || f[4] < 0 || f[4] > 59 || f[5] < 0 || f[5] > 59 ||
      f[6] < 0 || f[6] > 999'999) {
    return Fail("macros.datetime(): invalid date or time");
  }
  Time t = Time{std::chrono::sys_days{ymd}.time_since_epoch()} +
           Micros{((f[3] * 60 + f[4]) * 60 + f[5]) * 1'000'000 + f[6]};
  return MakeDate(t, UtcZone());
}

class MacrosObject : public Object {
 public:
  std::string Repr() const override { return "<macros>"; }

  Eval<Value> Attr(std::string_view name) const override {
    for (const auto& m : MacroNames()) {
      if (m == name)
        return Fail("macros.{} is a function: call it, e.g. macros.{}(...)", name, name);
    }
    return Missing(fmt::format("unknown macro 'macros.{}'", name), DidYouMean(name, MacroNames()));
  }

  Eval<Value> Call(std::string_view method, const CallArgs& args) const override {
    if (method == "ds_add") return DsAdd(args);
    if (method == "ds_format") return DsFormat(args);
    if (method == "datetime") return Datetime(args);
    if (method == "timedelta") return Value::Delta(TRY(MakeTimedelta(args)));
    return Unknown(fmt::format("unknown macro 'macros.{}'", method),
                   DidYouMean(method, MacroNames()));
  }
};

}  // namespace

const Object& Macros() {
  static const auto* macros = new MacrosObject();
  return *macros;
}

}  // namespace weir::jinja
