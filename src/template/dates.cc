// Dates as Airflow templates see them: pendulum DateTimes in the DAG's zone (strftime, year,
// add(months=1), in_timezone(...)) and Python timedeltas.

#include <cmath>

#include <date/date.h>
#include <date/tz.h>

#include "base/strings.h"
#include "template/eval.h"

namespace weir::jinja {

namespace {

using std::chrono::floor;

struct Fields {
  std::chrono::year_month_day ymd;
  std::chrono::hh_mm_ss<Micros> hms{Micros{0}};
  std::chrono::local_days day;
};

Fields Split(const DateValue& d) {
  auto local = ToLocal(d.t, d.zone);
  auto day = floor<std::chrono::days>(local);
  return Fields{std::chrono::year_month_day{std::chrono::sys_days{day.time_since_epoch()}},
                std::chrono::hh_mm_ss<Micros>{local - day}, day};
}

Value Int(auto v) { return Value::Int(static_cast<int64_t>(v)); }

// A wall time built from fields, in the date's zone.
DateValue FromFields(const DateValue& like, std::chrono::year_month_day ymd, Micros time_of_day) {
  std::chrono::local_time<Micros> local{std::chrono::sys_days{ymd}.time_since_epoch() +
                                        time_of_day};
  return DateValue{FromLocal(local, like.zone), like.zone, like.date_only};
}

Eval<DateValue> StartOf(const DateValue& d, std::string_view unit) {
  Fields f = Split(d);
  auto y = f.ymd.year();
  auto m = f.ymd.month();
  if (unit == "year") return FromFields(d, y / std::chrono::January / 1, Micros{0});
  if (unit == "month") return FromFields(d, y / m / 1, Micros{0});
  if (unit == "day") return FromFields(d, f.ymd, Micros{0});
  if (unit == "hour") return FromFields(d, f.ymd, f.hms.hours());
  if (unit == "minute") return FromFields(d, f.ymd, f.hms.hours() + f.hms.minutes());
  if (unit == "week") {
    std::chrono::weekday wd{f.day};
    auto monday = f.day - std::chrono::days{(wd.c_encoding() + 6) % 7};
    return FromFields(d,
                      std::chrono::year_month_day{std::chrono::sys_days{monday.time_since_epoch()}},
                      Micros{0});
  }
  return Unknown(fmt::format("unknown unit '{}'", unit),
                 DidYouMean(unit, {"year", "month", "week", "day", "hour", "minute"}));
}

Eval<DateValue> Replace(const DateValue& d, const CallArgs& args) {
  TRY(args.Expect("replace", {"year", "month", "day", "hour", "minute", "second", "microsecond"}));
  Fields f = Split(d);
  auto get = [&](size_t i, std::string_view name, int64_t current) -> Eval<int64_t> {
    const Value* v = args.Get(i, name);
    return v ? ToInt(*v, name) : Eval<int64_t>(current);
  };
  int64_t y = TRY(get(0, "year", static_cast<int>(f.ymd.year())));
  int64_t mo = TRY(get(1, "month", static_cast<unsigned>(f.ymd.month())));
  int64_t dd = TRY(get(2, "day", static_cast<unsigned>(f.ymd.day())));
  int64_t h = TRY(get(3, "hour", f.hms.hours().count()));
  int64_t mi = TRY(get(4, "minute", f.hms.minutes().count()));
  int64_t s = TRY(get(5, "second", f.hms.seconds().count()));
  int64_t us = TRY(get(6, "microsecond", f.hms.subseconds().count()));
  std::chrono::year_month_day ymd{std::chrono::year{static_cast<int>(y)},
                                  std::chrono::month{static_cast<unsigned>(mo)},
                                  std::chrono::day{static_cast<unsigned>(dd)}};
  if (!ymd.ok() || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59 || us < 0 ||
      us > 999'999) {
    return Fail("replace() makes an invalid date");
  }
  return FromFields(d, ymd, Micros{((h * 60 + mi) * 60 + s) * 1'000'000 + us});
}

Eval<Value> AddOrSubtract(const DateValue& d, const CallArgs& args, int64_t sign) {
  TRY(args.Expect(
      "add", {"years", "months", "weeks", "days", "hours", "minutes", "seconds", "microseconds"}));
  if (!args.positional.empty()) return Fail("add()/subtract() take keyword arguments (days=1)");
  // pendulum: years, months, weeks and days move the wall clock; hours and smaller add
  // elapsed time (add(hours=24) across a DST change is not add(days=1)).
  int64_t months = 0;
  int64_t days = 0;
  double micros = 0;
  for (const auto& [k, v] : args.keyword) {
    if (k == "years" || k == "months") {
      months += TRY(ToInt(v, k)) * (k == "years" ? 12 : 1);
    } else if (k == "weeks" || k == "days") {
      days += TRY(ToInt(v, k)) * (k == "weeks" ? 7 : 1);
    } else {
      double unit = k == "hours" ? 3600e6 : k == "minutes" ? 60e6 : k == "seconds" ? 1e6 : 1;
      micros += TRY(ToFloat(v, k)) * unit;
    }
  }
  return Value::Date(
      AddToDate(d, sign * months, sign * days, sign * static_cast<int64_t>(std::llround(micros))));
}

}  // namespace

Eval<Value> DateAttr(const DateValue& d, std::string_view name) {
  Fields f = Split(d);
  if (name == "year") return Int(static_cast<int>(f.ymd.year()));
  if (name == "month") return Int(static_cast<unsigned>(f.ymd.month()));
  if (name == "day") return Int(static_cast<unsigned>(f.ymd.day()));
  if (name == "hour") return Int(f.hms.hours().count());
  if (name == "minute") return Int(f.hms.minutes().count());
  if (name == "second") return Int(f.hms.seconds().count());
  if (name == "microsecond") return Int(f.hms.subseconds().count());
  if (name == "int_timestamp")
    return Int(floor<std::chrono::seconds>(d.t).time_since_epoch().count());
  if (name == "day_of_year") {
    auto jan1 = std::chrono::local_days{f.ymd.year() / std::chrono::January / 1};
    return Int((f.day - jan1).count() + 1);
  }
  if (name == "timezone_name" || name == "tz") return Value::Str(std::string(d.zone->name()));
  static const std::vector<std::string> kNames = {"year",
                                                  "month",
                                                  "day",
                                                  "hour",
                                                  "minute",
                                                  "second",
                                                  "microsecond",
                                                  "int_timestamp",
                                                  "day_of_year",
                                                  "timezone_name",
                                                  "strftime",
                                                  "isoformat",
                                                  "date",
                                                  "add",
                                                  "subtract",
                                                  "in_timezone",
                                                  "replace",
                                                  "start_of",
                                                  "end_of",
                                                  "timestamp",
                                                  "weekday",
                                                  "isoweekday",
                                                  "to_date_string",
                                                  "to_datetime_string"};
  return Missing(fmt::format("{} has no attribute '{}'", d.date_only ? "date" : "datetime", name),
                 DidYouMean(name, kNames));
}

Eval<Value> DateMethod(const DateValue& d, std::string_view name, const CallArgs& args) {
  if (name == "strftime") {
    TRY(args.Expect("strftime", {"format"}));
    const Value* f = args.Get(0, "format");
    if (f == nullptr || !f->is(Value::Kind::kString))
      return Fail("strftime() needs a format string");
    return Value::Str(FormatTime(d.t, f->str(), d.zone));
  }
  if (name == "isoformat" || name == "to_iso8601_string") return Value::Str(DateIso(d));
  if (name == "to_date_string") return Value::Str(FormatTime(d.t, "%Y-%m-%d", d.zone));
  if (name == "to_datetime_string") return Value::Str(FormatTime(d.t, "%Y-%m-%d %H:%M:%S", d.zone));
  if (name == "date") {
    DateValue out = TRY(StartOf(d, "day"));
    out.date_only = true;
    return Value::Date(out);
  }
  if (name == "add") return AddOrSubtract(d, args, 1);
  if (name == "subtract") return AddOrSubtract(d, args, -1);
  if (name == "in_timezone" || name == "in_tz" || name == "astimezone") {
    const Value* tz = args.Get(0, "tz");
    if (tz == nullptr || !tz->is(Value::Kind::kString)) return Fail("{}() needs a zone name", name);
    auto zone = FindZone(tz->str());
    if (!zone) return Fail("{}", zone.error().message);
    return Value::Date(DateValue{d.t, *zone, d.date_only});
  }
  if (name == "replace") return Value::Date(TRY(Replace(d, args)));
  if (name == "start_of" || name == "end_of") {
    const Value* unit = args.Get(0, "unit");
    if (unit == nullptr || !unit->is(Value::Kind::kString)) return Fail("{}() needs a unit", name);
    DateValue start = TRY(StartOf(d, unit->str()));
    if (name == "start_of") return Value::Date(start);
    CallArgs one;
    one.keyword.emplace_back(unit->str() + "s", Value::Int(1));
    Value next = TRY(AddOrSubtract(start, one, 1));
    return Value::Date(AddToDate(next.date(), 0, 0, -1));
  }
  if (name == "timestamp") {
    return Value::Float(static_cast<double>(d.t.time_since_epoch().count()) / 1e6);
  }
  if (name == "weekday" || name == "isoweekday") {
    std::chrono::weekday wd{Split(d).day};
    return Int(wd.iso_encoding() - (name == "weekday" ? 1 : 0));
  }
  auto attr = DateAttr(d, name);
  if (attr) return Fail("{} is an attribute, not a method: drop the ()", name);
  return std::unexpected(attr.error());
}

Eval<DeltaValue> MakeTimedelta(const CallArgs& args) {
  static const std::vector<std::string> kNames = {
      "days", "seconds", "microseconds", "milliseconds", "minutes", "hours", "weeks"};
  static constexpr double kMicros[] = {86400e6, 1e6, 1, 1e3, 60e6, 3600e6, 604800e6};
  TRY(args.Expect("timedelta", kNames));
  int64_t days = 0;
  double micros = 0;
  for (size_t i = 0; i < kNames.size(); ++i) {
    const Value* v = args.Get(i, kNames[i]);
    if (v == nullptr) continue;
    if (kNames[i] == "days" && v->is(Value::Kind::kInt)) {
      days += v->integer();
    } else if (kNames[i] == "weeks" && v->is(Value::Kind::kInt)) {
      days += 7 * v->integer();
    } else {
      micros += TRY(ToFloat(*v, kNames[i])) * kMicros[i];
    }
  }
  return NormalizeDelta(days, static_cast<int64_t>(std::llround(micros)));
}

}  // namespace weir::jinja
