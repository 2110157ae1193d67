// Jinja's tests (`x is number`, `n is divisibleby 3`), with Jinja's argument names.

#include <map>

#include "template/eval.h"

namespace weir::jinja {

namespace {

using K = Value::Kind;

Eval<bool> IsNone(const Value& v, const CallArgs&) { return v.is_none(); }
Eval<bool> IsNumber(const Value& v, const CallArgs&) { return v.is_number(); }
Eval<bool> IsInteger(const Value& v, const CallArgs&) { return v.is(K::kInt); }
Eval<bool> IsFloat(const Value& v, const CallArgs&) { return v.is(K::kFloat); }
Eval<bool> IsString(const Value& v, const CallArgs&) { return v.is(K::kString); }
Eval<bool> IsBoolean(const Value& v, const CallArgs&) { return v.is(K::kBool); }
Eval<bool> IsMapping(const Value& v, const CallArgs&) { return v.is(K::kDict); }
Eval<bool> IsSequence(const Value& v, const CallArgs&) {
  return v.is(K::kList) || v.is(K::kString) || v.is(K::kDict);
}
Eval<bool> IsTrue(const Value& v, const CallArgs&) { return v.is(K::kBool) && v.boolean(); }
Eval<bool> IsFalse(const Value& v, const CallArgs&) { return v.is(K::kBool) && !v.boolean(); }
template <int64_t kRemainder>
Eval<bool> IsParity(const Value& v, const CallArgs&) {
  return (TRY(ToInt(v, "parity test")) % 2 + 2) % 2 == kRemainder;
}
Eval<bool> IsDivisibleBy(const Value& v, const CallArgs& args) {
  const Value* n = args.Get(0, "num");
  int64_t by = n ? TRY(ToInt(*n, "divisibleby")) : 0;
  if (by == 0) return Fail("divisibleby needs a non-zero number");
  return TRY(ToInt(v, "divisibleby")) % by == 0;
}

const std::map<std::string, TestFn, std::less<>>& Tests() {
  static const auto* tests = new std::map<std::string, TestFn, std::less<>>{
      {"none", IsNone},         {"number", IsNumber},
      {"integer", IsInteger},   {"float", IsFloat},
      {"string", IsString},     {"boolean", IsBoolean},
      {"mapping", IsMapping},   {"sequence", IsSequence},
      {"iterable", IsSequence}, {"true", IsTrue},
      {"false", IsFalse},       {"even", IsParity<0>},
      {"odd", IsParity<1>},     {"divisibleby", IsDivisibleBy}};
  return *tests;
}

}  // namespace

TestFn FindTest(std::string_view name) {
  auto it = Tests().find(name);
  return it == Tests().end() ? nullptr : it->second;
}

const std::vector<std::string>& TestNames() {
  static const auto* names = [] {
    // `defined` and `undefined` are handled by the evaluator: they accept a missing name.
    auto* out = new std::vector<std::string>{"defined", "undefined"};
    for (const auto& [name, unused] : Tests()) out->push_back(name);
    return out;
  }();
  return *names;
}

}  // namespace weir::jinja
