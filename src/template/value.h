#pragma once

// Values of the template engine (internal to src/template). A Value is what an expression
// evaluates to: Python-like scalars, dates that carry a zone, timedeltas, lists, JSON objects
// (params, XCom, conf) navigated in place, and context objects (ti, macros, var, conn, ...).

#include <cstdint>
#include <expected>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include "base/json.h"
#include "base/status.h"
#include "base/time.h"

namespace date {
class time_zone;
}

namespace weir::jinja {

// Why an evaluation failed. `problem` and `hint` are kept apart so the template layer can put
// the expression between them: "<problem> in {{ expr }}<hint>".
struct EvalError {
  ErrorCode code = ErrorCode::kInvalidArgument;
  std::string problem;     // "unknown name 'ds_nodsh'"
  std::string hint;        // " (did you mean 'ds_nodash'?)" or ""
  bool undefined = false;  // a missing name, attribute or key: `default` and `is defined` accept it
};

template <class T>
using Eval = std::expected<T, EvalError>;

template <class... Args>
std::unexpected<EvalError> Fail(fmt::format_string<Args...> f, Args&&... args) {
  return std::unexpected(EvalError{ErrorCode::kInvalidArgument,
                                   fmt::format(f, std::forward<Args>(args)...), "", false});
}
// A failure with a given code, e.g. passing on a callback's kUnavailable.
std::unexpected<EvalError> Failure(ErrorCode code, std::string problem);
// An undefined name, attribute or key (kNotFound, `undefined`).
std::unexpected<EvalError> Missing(std::string problem, std::string hint = {});
// A misspelled method, argument or similar (kInvalidArgument) with a suggestion.
std::unexpected<EvalError> Unknown(std::string problem, std::string hint);

// A point in time shown in a zone (the DAG's unless moved with in_timezone()). `date_only`
// values come from .date() and behave like Python's datetime.date.
struct DateValue {
  Time t{};
  const date::time_zone* zone = nullptr;  // never null once built by MakeDate
  bool date_only = false;
};

// A Python timedelta, normalized: 0 <= micros < one day. Days are added in wall time (like
// pendulum), the rest as elapsed time.
struct DeltaValue {
  int64_t days = 0;
  int64_t micros = 0;
};

// A JSON object navigated in place. `owner` keeps the document alive when it came from a
// callback (XCom, var.json, conn); it is null for documents the TemplateContext owns.
struct JsonRef {
  std::shared_ptr<const Json> owner;
  const Json* node = nullptr;
};

class Object;
class Value;
using List = std::vector<Value>;

class Value {
 public:
  enum class Kind { kNone, kBool, kInt, kFloat, kString, kDate, kDelta, kList, kDict, kObject };

  Value() = default;
  static Value Bool(bool b) { return Value(Rep(std::in_place_index<1>, b)); }
  static Value Int(int64_t i) { return Value(Rep(std::in_place_index<2>, i)); }
  static Value Float(double d) { return Value(Rep(std::in_place_index<3>, d)); }
  static Value Str(std::string s) { return Value(Rep(std::in_place_index<4>, std::move(s))); }
  static Value Date(DateValue d) { return Value(Rep(std::in_place_index<5>, d)); }
  static Value Delta(DeltaValue d) { return Value(Rep(std::in_place_index<6>, d)); }
  static Value MakeList(List items);
  static Value Dict(JsonRef ref) { return Value(Rep(std::in_place_index<8>, std::move(ref))); }
  static Value Obj(const Object* o) { return Value(Rep(std::in_place_index<9>, o)); }

  Kind kind() const { return static_cast<Kind>(rep_.index()); }
  bool is(Kind k) const { return kind() == k; }
  bool is_none() const { return kind() == Kind::kNone; }
  bool is_number() const { return is(Kind::kInt) || is(Kind::kFloat); }

  bool boolean() const { return std::get<1>(rep_); }
  int64_t integer() const { return std::get<2>(rep_); }
  double real() const { return std::get<3>(rep_); }
  const std::string& str() const { return std::get<4>(rep_); }
  const DateValue& date() const { return std::get<5>(rep_); }
  const DeltaValue& delta() const { return std::get<6>(rep_); }
  const List& list() const { return *std::get<7>(rep_); }
  const JsonRef& dict() const { return std::get<8>(rep_); }
  const Object* object() const { return std::get<9>(rep_); }
  // An int or a float as a double.
  double number() const { return is(Kind::kInt) ? static_cast<double>(integer()) : real(); }

 private:
  using Rep = std::variant<std::monostate, bool, int64_t, double, std::string, DateValue,
                           DeltaValue, std::shared_ptr<const List>, JsonRef, const Object*>;
  explicit Value(Rep r) : rep_(std::move(r)) {}
  Rep rep_;
};

// Arguments of a call: f(1, 'a', key='v').
struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;

  // The argument at position `index` or named `name`; null when absent.
  const Value* Get(size_t index, std::string_view name) const;
  // Fails when there are more positionals than `names` or a keyword not in `names`.
  Eval<void> Expect(std::string_view what, const std::vector<std::string>& names) const;
};

// A context object (ti, macros, var, conn, dag, ...). Attribute and method lookups fail with a
// Missing() error that suggests the closest name.
class Object {
 public:
  virtual ~Object() = default;
  virtual std::string Repr() const = 0;
  virtual Eval<Value> Attr(std::string_view name) const = 0;
  virtual Eval<Value> Call(std::string_view method, const CallArgs& args) const;
};

// Python type names, for messages: "str", "int", "datetime", "dict", ...
std::string_view TypeName(const Value& v);

// Python truthiness.
bool Truthy(const Value& v);
// How Jinja prints a value into the output: strings raw, True/False/None, 1.0, dates as
// 2021-01-01T00:00:00+00:00, lists and dicts as Python reprs.
void AppendOutput(const Value& v, std::string& out);
std::string ToOutput(const Value& v);
// Python repr: strings quoted.
std::string Repr(const Value& v);

bool Equals(const Value& a, const Value& b);
// -1, 0, 1; fails for values that do not order (str vs int).
Eval<int> Compare(const Value& a, const Value& b);

// JSON conversions. Objects become arrays and objects of values; a JSON object stays a
// reference (no copy); dates become their ISO text.
Value FromJson(const Json& j, const std::shared_ptr<const Json>& owner);
Value FromOwnedJson(Json j);
Json ToJson(const Value& v);

// Dates.
Value MakeDate(Time t, const date::time_zone* zone);
const date::time_zone* UtcZone();
// The instant of a wall time in zone: a time in a DST gap moves forward by the gap, an
// ambiguous one takes the earlier instant.
Time FromLocal(std::chrono::local_time<Micros> local, const date::time_zone* zone);
std::chrono::local_time<Micros> ToLocal(Time t, const date::time_zone* zone);
// pendulum's add(): years/months/days in wall time (day clamped to the month's end), the rest
// as elapsed time.
DateValue AddToDate(const DateValue& d, int64_t months, int64_t days, int64_t micros);
DeltaValue NormalizeDelta(int64_t days, int64_t micros);
std::string DateIso(const DateValue& d);

}  // namespace weir::jinja
