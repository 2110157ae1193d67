#pragma once

// Evaluation of parsed templates: Globals and RenderTemplate are the layer's entry; the rest
// is shared by its files.

#include <string>
#include <string_view>

#include "base/status.h"
#include "template/ast.h"
#include "template/value.h"

namespace weir::jinja {

// The top-level names a render can see (ds, ti, params, ...).
class Globals {
 public:
  virtual ~Globals() = default;
  // The value of `name`; a Missing() error with a suggestion when there is no such name.
  virtual Eval<Value> Lookup(std::string_view name) const = 0;
};

// Renders the template. Errors read "<where>: <problem> in <tag><hint>".
Result<std::string> RenderTemplate(const TemplateNode& root, const Globals& globals,
                                   std::string_view where);

// Access on values (methods.cc). `what` is the source text of `v`, for messages:
// "no key 'colr' in params".
Eval<Value> GetAttr(const Value& v, std::string_view name, std::string_view what);
Eval<Value> GetItem(const Value& v, const Value& key, std::string_view what);
Eval<Value> CallMethod(const Value& v, std::string_view name, const CallArgs& args,
                       std::string_view what);

// Date methods (dates.cc).
Eval<Value> DateAttr(const DateValue& d, std::string_view name);
Eval<Value> DateMethod(const DateValue& d, std::string_view name, const CallArgs& args);
// macros.timedelta(days=1, hours=2, ...) and pendulum's add()/subtract() arguments.
Eval<DeltaValue> MakeTimedelta(const CallArgs& args);

// Operators (ops.cc): + - * / // % ** ~ comparisons and `in`.
Eval<Value> ApplyBinary(BinaryOp op, const Value& a, const Value& b);
Eval<bool> Contains(const Value& container, const Value& item);
// A value as a list of items to loop over: a list, a dict's keys, a string's characters.
Eval<List> Iterate(const Value& v);

// Integer and float conversions shared by filters and methods.
Eval<int64_t> ToInt(const Value& v, std::string_view what);
Eval<double> ToFloat(const Value& v, std::string_view what);

}  // namespace weir::jinja
