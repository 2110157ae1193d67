#include "template/value.h"

#include <cmath>

#include <date/date.h>
#include <date/tz.h>

#include "base/strings.h"

namespace weir::jinja {

namespace {

constexpr int64_t kMicrosPerDay = 86'400'000'000;

std::string FloatText(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  std::string s = fmt::format("{}", d);
  if (s.find_first_of(".eE") == std::string::npos) s += ".0";
  return s;
}

std::string QuoteString(const std::string& s) {
  char q = s.find('\'') != std::string::npos && s.find('"') == std::string::npos ? '"' : '\'';
  std::string out(1, q);
  for (char c : s) {
    if (c == q || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  out += q;
  return out;
}

void AppendRepr(const Value& v, std::string& out);

void AppendJsonRepr(const Json& j, std::string& out) { AppendRepr(FromJson(j, nullptr), out); }

void AppendRepr(const Value& v, std::string& out) {
  switch (v.kind()) {
    case Value::Kind::kString:
      out += QuoteString(v.str());
      return;
    case Value::Kind::kList: {
      out += '[';
      bool first = true;
      for (const auto& item : v.list()) {
        if (!first) out += ", ";
        first = false;
        AppendRepr(item, out);
      }
      out += ']';
      return;
    }
    case Value::Kind::kDict: {
      out += '{';
      bool first = true;
      for (const auto& [key, item] : v.dict().node->items()) {
        if (!first) out += ", ";
        first = false;
        out += QuoteString(key);
        out += ": ";
        AppendJsonRepr(item, out);
      }
      out += '}';
      return;
    }
    default:
      AppendOutput(v, out);
  }
}

}  // namespace

std::unexpected<EvalError> Missing(std::string problem, std::string hint) {
  return std::unexpected(
      EvalError{ErrorCode::kNotFound, std::move(problem), std::move(hint), /*undefined=*/true});
}

std::unexpected<EvalError> Failure(ErrorCode code, std::string problem) {
  return std::unexpected(EvalError{code, std::move(problem), "", false});
}

std::unexpected<EvalError> Unknown(std::string problem, std::string hint) {
  return std::unexpected(
      EvalError{ErrorCode::kInvalidArgument, std::move(problem), std::move(hint), false});
}

Value Value::MakeList(List items) {
  return Value(Rep(std::in_place_index<7>, std::make_shared<const List>(std::move(items))));
}

const Value* CallArgs::Get(size_t index, std::string_view name) const {
  if (index < positional.size()) return &positional[index];
  for (const auto& [k, v] : keyword) {
    if (k == name) return &v;
  }
  return nullptr;
}

Eval<void> CallArgs::Expect(std::string_view what, const std::vector<std::string>& names) const {
  if (positional.size() > names.size()) {
    return Fail("{}() takes at most {} arguments ({} given)", what, names.size(),
                positional.size());
  }
  for (const auto& [k, v] : keyword) {
    bool known = false;
    for (const auto& n : names) known = known || n == k;
    if (!known) {
      return Unknown(fmt::format("{}() got an unexpected argument '{}'", what, k),
                     DidYouMean(k, names));
    }
  }
  return {};
}

Eval<Value> Object::Call(std::string_view method, const CallArgs&) const {
  return Fail("{} has no method '{}'", Repr(), method);
}

std::string_view TypeName(const Value& v) {
  static constexpr std::string_view kNames[] = {"NoneType", "bool",      "int",  "float", "str",
                                                "datetime", "timedelta", "list", "dict",  "object"};
  if (v.is(Value::Kind::kDate) && v.date().date_only) return "date";
  return kNames[static_cast<int>(v.kind())];
}

bool Truthy(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kNone:
      return false;
    case Value::Kind::kBool:
      return v.boolean();
    case Value::Kind::kInt:
      return v.integer() != 0;
    case Value::Kind::kFloat:
      return v.real() != 0;
    case Value::Kind::kString:
      return !v.str().empty();
    case Value::Kind::kDelta:
      return v.delta().days != 0 || v.delta().micros != 0;
    case Value::Kind::kList:
      return !v.list().empty();
    case Value::Kind::kDict:
      return !v.dict().node->empty();
    default:
      return true;
  }
}

void AppendOutput(const Value& v, std::string& out) {
  switch (v.kind()) {
    case Value::Kind::kNone:
      out += "None";
      return;
    case Value::Kind::kBool:
      out += v.boolean() ? "True" : "False";
      return;
    case Value::Kind::kInt:
      out += fmt::format("{}", v.integer());
      return;
    case Value::Kind::kFloat:
      out += FloatText(v.real());
      return;
    case Value::Kind::kString:
      out += v.str();
      return;
    case Value::Kind::kDate:
      out += DateIso(v.date());
      return;
    case Value::Kind::kDelta: {
      // Python's str(timedelta): "1 day, 2:03:04" / "0:00:01.500000".
      const auto& d = v.delta();
      if (d.days != 0) out += fmt::format("{} day{}, ", d.days, std::abs(d.days) == 1 ? "" : "s");
      int64_t secs = d.micros / 1'000'000;
      out += fmt::format("{}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60);
      if (d.micros % 1'000'000 != 0) out += fmt::format(".{:06}", d.micros % 1'000'000);
      return;
    }
    case Value::Kind::kList:
    case Value::Kind::kDict:
      AppendRepr(v, out);
      return;
    case Value::Kind::kObject:
      out += v.object()->Repr();
      return;
  }
}

std::string ToOutput(const Value& v) {
  if (v.is(Value::Kind::kString)) return v.str();
  std::string out;
  AppendOutput(v, out);
  return out;
}

std::string Repr(const Value& v) {
  std::string out;
  AppendRepr(v, out);
  return out;
}

bool Equals(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is(Value::Kind::kInt) && b.is(Value::Kind::kInt)) return a.integer() == b.integer();
    return a.number() == b.number();
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::kNone:
      return true;
    case Value::Kind::kBool:
      return a.boolean() == b.boolean();
    case Value::Kind::kString:
      return a.str() == b.str();
    case Value::Kind::kDate:
      return a.date().t == b.date().t && a.date().date_only == b.date().date_only;
    case Value::Kind::kDelta:
      return a.delta().days == b.delta().days && a.delta().micros == b.delta().micros;
    case Value::Kind::kList: {
      if (a.list().size() != b.list().size()) return false;
      for (size_t i = 0; i < a.list().size(); ++i) {
        if (!Equals(a.list()[i], b.list()[i])) return false;
      }
      return true;
    }
    case Value::Kind::kDict:
      return *a.dict().node == *b.dict().node;
    default:
      return a.object() == b.object();
  }
}

Eval<int> Compare(const Value& a, const Value& b) {
  auto order = [](const auto& x, const auto& y) { return x < y ? -1 : (y < x ? 1 : 0); };
  if (a.is(Value::Kind::kInt) && b.is(Value::Kind::kInt)) return order(a.integer(), b.integer());
  if (a.is_number() && b.is_number()) return order(a.number(), b.number());
  if (a.kind() == b.kind()) {
    switch (a.kind()) {
      case Value::Kind::kString:
        return order(a.str(), b.str());
      case Value::Kind::kDate:
        return order(a.date().t, b.date().t);
      case Value::Kind::kDelta:
        return order(std::pair(a.delta().days, a.delta().micros),
                     std::pair(b.delta().days, b.delta().micros));
      case Value::Kind::kBool:
        return order(a.boolean(), b.boolean());
      default:
        break;
    }
  }
  return Fail("cannot compare {} with {}", TypeName(a), TypeName(b));
}

Value FromJson(const Json& j, const std::shared_ptr<const Json>& owner) {
  switch (j.type()) {
    case Json::value_t::boolean:
      return Value::Bool(j.get<bool>());
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return Value::Int(j.get<int64_t>());
    case Json::value_t::number_float:
      return Value::Float(j.get<double>());
    case Json::value_t::string:
      return Value::Str(j.get<std::string>());
    case Json::value_t::object:
      return Value::Dict(JsonRef{owner, &j});
    case Json::value_t::array: {
      List items;
      items.reserve(j.size());
      for (const auto& item : j) items.push_back(FromJson(item, owner));
      return Value::MakeList(std::move(items));
    }
    default:
      return Value();
  }
}

Value FromOwnedJson(Json j) {
  auto owner = std::make_shared<const Json>(std::move(j));
  return FromJson(*owner, owner);
}

Json ToJson(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kNone:
      return nullptr;
    case Value::Kind::kBool:
      return v.boolean();
    case Value::Kind::kInt:
      return v.integer();
    case Value::Kind::kFloat:
      return v.real();
    case Value::Kind::kString:
      return v.str();
    case Value::Kind::kList: {
      Json out = Json::array();
      for (const auto& item : v.list()) out.push_back(ToJson(item));
      return out;
    }
    case Value::Kind::kDict:
      return *v.dict().node;
    default:
      return ToOutput(v);
  }
}

const date::time_zone* UtcZone() {
  static const date::time_zone* utc = date::locate_zone("UTC");
  return utc;
}

Value MakeDate(Time t, const date::time_zone* zone) {
  return Value::Date(DateValue{t, zone == nullptr ? UtcZone() : zone, false});
}

std::chrono::local_time<Micros> ToLocal(Time t, const date::time_zone* zone) {
  auto info = zone->get_info(std::chrono::floor<std::chrono::seconds>(t));
  return std::chrono::local_time<Micros>{t.time_since_epoch() + info.offset};
}

Time FromLocal(std::chrono::local_time<Micros> local, const date::time_zone* zone) {
  auto secs = std::chrono::floor<std::chrono::seconds>(local);
  date::local_seconds ls{secs.time_since_epoch()};
  auto info = zone->get_info(ls);
  // `first` is the offset before a DST gap (so a wall time in the gap moves forward by the
  // gap) and the earlier of two ambiguous instants.
  return Time{local.time_since_epoch() - info.first.offset};
}

DeltaValue NormalizeDelta(int64_t days, int64_t micros) {
  int64_t extra = micros / kMicrosPerDay;
  micros %= kMicrosPerDay;
  if (micros < 0) {
    micros += kMicrosPerDay;
    --extra;
  }
  return DeltaValue{days + extra, micros};
}

DateValue AddToDate(const DateValue& d, int64_t months, int64_t days, int64_t micros) {
  DateValue out = d;
  if (months != 0 || days != 0) {
    auto local = ToLocal(d.t, d.zone);
    auto day_point = std::chrono::floor<std::chrono::days>(local);
    auto time_of_day = local - day_point;
    std::chrono::year_month_day ymd{std::chrono::sys_days{day_point.time_since_epoch()}};
    if (months != 0) {
      auto ym = std::chrono::year_month{ymd.year(), ymd.month()} +
                std::chrono::months{static_cast<int>(months)};
      auto last =
          std::chrono::year_month_day_last{ym.year(), std::chrono::month_day_last{ym.month()}};
      auto day = std::min(ymd.day(), last.day());
      ymd = std::chrono::year_month_day{ym.year(), ym.month(), day};
    }
    auto new_day = std::chrono::sys_days{ymd} + std::chrono::days{days};
    std::chrono::local_time<Micros> new_local{new_day.time_since_epoch() + time_of_day};
    out.t = FromLocal(new_local, d.zone);
  }
  out.t += Micros{micros};
  return out;
}

std::string DateIso(const DateValue& d) {
  if (d.date_only) return FormatTime(d.t, "%Y-%m-%d", d.zone);
  auto secs = std::chrono::floor<std::chrono::seconds>(d.t);
  bool frac = d.t != Time{secs};
  std::string s = FormatTime(d.t, frac ? "%Y-%m-%dT%H:%M:%S.%f" : "%Y-%m-%dT%H:%M:%S", d.zone);
  // isoformat() writes the offset as +hh:mm (strftime's %z has no colon).
  auto offset = std::chrono::duration_cast<std::chrono::minutes>(
                    ToLocal(d.t, d.zone).time_since_epoch() - d.t.time_since_epoch())
                    .count();
  fmt::format_to(std::back_inserter(s), "{}{:02}:{:02}", offset < 0 ? '-' : '+',
                 std::abs(offset) / 60, std::abs(offset) % 60);
  return s;
}

}  // namespace weir::jinja
