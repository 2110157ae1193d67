// Jinja's filters and tests, with Jinja's argument names. Where Jinja silently turns bad
// input into 0 or '' (int, float), weir fails unless a default is given.

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>

#include "base/strings.h"
#include "base/url.h"
#include "template/eval.h"

namespace weir::jinja {

namespace {

using K = Value::Kind;

Eval<std::string> StringInput(const Value& v) {
  if (!v.is(K::kString)) return Fail("expects a string, got {}", TypeName(v));
  return v.str();
}

std::string MapChars(std::string s, bool title, bool capitalize) {
  bool start = true;
  for (char& c : s) {
    auto u = static_cast<unsigned char>(c);
    bool alpha = std::isalpha(u) != 0;
    c = static_cast<char>(start && alpha ? std::toupper(u) : std::tolower(u));
    if (title) start = !alpha;
    if (capitalize) start = false;
  }
  return s;
}

Eval<Value> Upper(const Value& v, const CallArgs&) {
  std::string s = ToOutput(v);
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return Value::Str(std::move(s));
}
Eval<Value> Lower(const Value& v, const CallArgs&) { return Value::Str(ToLower(ToOutput(v))); }
Eval<Value> Title(const Value& v, const CallArgs&) {
  return Value::Str(MapChars(ToOutput(v), true, false));
}
Eval<Value> Capitalize(const Value& v, const CallArgs&) {
  return Value::Str(MapChars(ToOutput(v), false, true));
}
Eval<Value> TrimFilter(const Value& v, const CallArgs& args) {
  std::string s = ToOutput(v);
  const Value* chars = args.Get(0, "chars");
  if (chars == nullptr || chars->is_none()) return Value::Str(std::string(Trim(s)));
  std::string set = TRY(StringInput(*chars));
  size_t b = s.find_first_not_of(set);
  if (b == std::string::npos) return Value::Str("");
  return Value::Str(s.substr(b, s.find_last_not_of(set) - b + 1));
}
Eval<Value> ReplaceFilter(const Value& v, const CallArgs& args) {
  TRY(args.Expect("replace", {"old", "new", "count"}));
  return CallMethod(Value::Str(ToOutput(v)), "replace", args, "value");
}

template <bool kInt>
Eval<Value> NumberFilter(const Value& v, const CallArgs& args) {
  TRY(args.Expect(kInt ? "int" : "float", {"default"}));
  const Value* fallback = args.Get(0, "default");
  Value result;
  if constexpr (kInt) {
    auto i = ToInt(v, "int");
    if (i) return Value::Int(*i);
    if (fallback == nullptr) return std::unexpected(i.error());
  } else {
    auto d = ToFloat(v, "float");
    if (d) return Value::Float(*d);
    if (fallback == nullptr) return std::unexpected(d.error());
  }
  return *fallback;
}

Eval<Value> StringFilter(const Value& v, const CallArgs&) { return Value::Str(ToOutput(v)); }

Eval<Value> Length(const Value& v, const CallArgs&) {
  if (v.is(K::kString)) {
    // Characters, not bytes: count the bytes that start a UTF-8 sequence.
    int64_t n = std::count_if(v.str().begin(), v.str().end(), [](char c) {
      return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    });
    return Value::Int(n);
  }
  if (v.is(K::kList)) return Value::Int(static_cast<int64_t>(v.list().size()));
  if (v.is(K::kDict)) return Value::Int(static_cast<int64_t>(v.dict().node->size()));
  return Fail("{} has no length", TypeName(v));
}

Eval<Value> JoinFilter(const Value& v, const CallArgs& args) {
  TRY(args.Expect("join", {"d", "attribute"}));
  const Value* sep = args.Get(0, "d");
  const Value* attribute = args.Get(1, "attribute");
  List items = TRY(Iterate(v));
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0 && sep != nullptr) out += ToOutput(*sep);
    if (attribute != nullptr) {
      out += ToOutput(TRY(GetAttr(items[i], ToOutput(*attribute), "item")));
    } else {
      out += ToOutput(items[i]);
    }
  }
  return Value::Str(std::move(out));
}

template <bool kFirst>
Eval<Value> FirstLast(const Value& v, const CallArgs&) {
  List items = TRY(Iterate(v));
  if (items.empty()) return Missing("empty sequence has no first or last item");
  return kFirst ? items.front() : items.back();
}

void DumpJson(const Json& j, std::string& out) {
  // Python's json.dumps spacing (", " and ": "), which Jinja's tojson produces.
  if (j.is_object()) {
    out += '{';
    bool first = true;
    for (const auto& [k, v] : j.items()) {
      if (!first) out += ", ";
      first = false;
      out += Json(k).dump();
      out += ": ";
      DumpJson(v, out);
    }
    out += '}';
  } else if (j.is_array()) {
    out += '[';
    for (size_t i = 0; i < j.size(); ++i) {
      if (i > 0) out += ", ";
      DumpJson(j[i], out);
    }
    out += ']';
  } else {
    out += j.dump(-1, ' ', false, Json::error_handler_t::replace);
  }
}

Eval<Value> ToJsonFilter(const Value& v, const CallArgs& args) {
  TRY(args.Expect("tojson", {"indent"}));
  const Value* indent = args.Get(0, "indent");
  Json j = ToJson(v);
  if (indent != nullptr && !indent->is_none()) {
    int n = static_cast<int>(TRY(ToInt(*indent, "indent")));
    return Value::Str(j.dump(n, ' ', false, Json::error_handler_t::replace));
  }
  std::string out;
  DumpJson(j, out);
  return Value::Str(std::move(out));
}

Eval<Value> FromJsonFilter(const Value& v, const CallArgs&) {
  std::string s = TRY(StringInput(v));
  auto parsed = ParseJson(s, "fromjson input");
  if (!parsed) return Fail("{}", parsed.error().message);
  return FromOwnedJson(std::move(*parsed));
}

Eval<Value> Round(const Value& v, const CallArgs& args) {
  TRY(args.Expect("round", {"precision", "method"}));
  double x = TRY(ToFloat(v, "round"));
  const Value* p = args.Get(0, "precision");
  const Value* m = args.Get(1, "method");
  int64_t precision = p ? TRY(ToInt(*p, "precision")) : 0;
  std::string method = m ? ToOutput(*m) : "common";
  double scale = std::pow(10.0, static_cast<double>(precision));
  double y = x * scale;
  if (method == "common") {
    y = std::round(y);
  } else if (method == "ceil") {
    y = std::ceil(y);
  } else if (method == "floor") {
    y = std::floor(y);
  } else {
    return Fail("method must be 'common', 'ceil' or 'floor', not '{}'", method);
  }
  return Value::Float(y / scale);
}

Eval<Value> Abs(const Value& v, const CallArgs&) {
  if (v.is(K::kInt)) return Value::Int(v.integer() < 0 ? -v.integer() : v.integer());
  if (v.is(K::kFloat)) return Value::Float(std::fabs(v.real()));
  return Fail("expects a number, got {}", TypeName(v));
}

Eval<Value> ListFilter(const Value& v, const CallArgs&) { return Value::MakeList(TRY(Iterate(v))); }

Eval<List> Sorted(const Value& v, bool reverse) {
  List items = TRY(Iterate(v));
  std::optional<EvalError> error;
  std::stable_sort(items.begin(), items.end(), [&](const Value& a, const Value& b) {
    auto c = Compare(a, b);
    if (!c) error = c.error();
    return c && (reverse ? *c > 0 : *c < 0);
  });
  if (error) return std::unexpected(*error);
  return items;
}

Eval<Value> Sort(const Value& v, const CallArgs& args) {
  TRY(args.Expect("sort", {"reverse", "case_sensitive", "attribute"}));
  const Value* reverse = args.Get(0, "reverse");
  return Value::MakeList(TRY(Sorted(v, reverse != nullptr && Truthy(*reverse))));
}

Eval<Value> Unique(const Value& v, const CallArgs&) {
  List out;
  for (const auto& item : TRY(Iterate(v))) {
    if (std::none_of(out.begin(), out.end(), [&](const Value& o) { return Equals(o, item); })) {
      out.push_back(item);
    }
  }
  return Value::MakeList(std::move(out));
}

template <bool kMin>
Eval<Value> MinMax(const Value& v, const CallArgs&) {
  List items = TRY(Sorted(v, false));
  if (items.empty()) return Missing("empty sequence has no min or max");
  return kMin ? items.front() : items.back();
}

Eval<Value> Sum(const Value& v, const CallArgs& args) {
  TRY(args.Expect("sum", {"attribute", "start"}));
  const Value* start = args.Get(1, "start");
  Value total = start ? *start : Value::Int(0);
  for (const auto& item : TRY(Iterate(v))) total = TRY(ApplyBinary(BinaryOp::kAdd, total, item));
  return total;
}

Eval<Value> Truncate(const Value& v, const CallArgs& args) {
  TRY(args.Expect("truncate", {"length", "killwords", "end", "leeway"}));
  std::string s = ToOutput(v);
  auto get_int = [&](size_t i, std::string_view name, int64_t fallback) -> Eval<int64_t> {
    const Value* a = args.Get(i, name);
    return a ? ToInt(*a, name) : Eval<int64_t>(fallback);
  };
  int64_t length = TRY(get_int(0, "length", 255));
  const Value* killwords = args.Get(1, "killwords");
  const Value* end_arg = args.Get(2, "end");
  std::string end = end_arg ? ToOutput(*end_arg) : "...";
  int64_t leeway = TRY(get_int(3, "leeway", 5));
  if (static_cast<int64_t>(s.size()) <= length + leeway) return Value::Str(std::move(s));
  size_t keep =
      static_cast<size_t>(std::max<int64_t>(0, length - static_cast<int64_t>(end.size())));
  std::string out = s.substr(0, keep);
  if (killwords == nullptr || !Truthy(*killwords)) {
    size_t space = out.rfind(' ');
    if (space != std::string::npos) out.resize(space);
  }
  return Value::Str(out + end);
}

Eval<Value> UrlEncode(const Value& v, const CallArgs&) {
  if (!v.is(K::kDict)) return Value::Str(PercentEncode(ToOutput(v), {.keep_slash = true}));
  std::string out;
  for (const auto& [k, item] : v.dict().node->items()) {
    if (!out.empty()) out += '&';
    out += PercentEncode(k, {.keep_slash = true}) + "=" +
           PercentEncode(ToOutput(FromJson(item, nullptr)), {.keep_slash = true});
  }
  return Value::Str(std::move(out));
}

Eval<Value> Basename(const Value& v, const CallArgs&) {
  std::string s = TRY(StringInput(v));
  size_t slash = s.rfind('/');
  return Value::Str(slash == std::string::npos ? s : s.substr(slash + 1));
}

Eval<Value> Dirname(const Value& v, const CallArgs&) {
  std::string s = TRY(StringInput(v));
  size_t slash = s.rfind('/');
  if (slash == std::string::npos) return Value::Str("");
  std::string dir = s.substr(0, slash);
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return Value::Str(dir.empty() ? "/" : dir);
}

Eval<std::string> ShellWord(const Value& v) {
  std::string s = ToOutput(v);
  // A NUL byte cannot be part of a command line or an environment value: the process would
  // see the text cut short, so refuse it rather than run something else.
  if (s.find('\0') != std::string::npos) return Fail("cannot quote text holding a NUL byte");
  return ShellQuote(s);
}

// The value as one bash word (Python's shlex.quote), a list as one word per item (shlex.join).
// The result must stand outside any quotes in the command: inside "...", $(...) still runs.
Eval<Value> ShellQuoteFilter(const Value& v, const CallArgs&) {
  if (!v.is(K::kList)) return Value::Str(TRY(ShellWord(v)));
  std::string out;
  for (const auto& item : v.list()) {
    if (!out.empty()) out += ' ';
    out += TRY(ShellWord(item));
  }
  return Value::Str(std::move(out));
}

const std::map<std::string, FilterFn, std::less<>>& Filters() {
  static const auto* filters =
      new std::map<std::string, FilterFn, std::less<>>{{"upper", Upper},
                                                       {"lower", Lower},
                                                       {"title", Title},
                                                       {"capitalize", Capitalize},
                                                       {"trim", TrimFilter},
                                                       {"replace", ReplaceFilter},
                                                       {"int", NumberFilter<true>},
                                                       {"float", NumberFilter<false>},
                                                       {"string", StringFilter},
                                                       {"length", Length},
                                                       {"count", Length},
                                                       {"join", JoinFilter},
                                                       {"first", FirstLast<true>},
                                                       {"last", FirstLast<false>},
                                                       {"tojson", ToJsonFilter},
                                                       {"fromjson", FromJsonFilter},
                                                       {"round", Round},
                                                       {"abs", Abs},
                                                       {"list", ListFilter},
                                                       {"sort", Sort},
                                                       {"unique", Unique},
                                                       {"min", MinMax<true>},
                                                       {"max", MinMax<false>},
                                                       {"sum", Sum},
                                                       {"truncate", Truncate},
                                                       {"urlencode", UrlEncode},
                                                       {"basename", Basename},
                                                       {"dirname", Dirname},
                                                       {"shell_quote", ShellQuoteFilter},
                                                       {"sh", ShellQuoteFilter}};
  return *filters;
}

}  // namespace

FilterFn FindFilter(std::string_view name) {
  auto it = Filters().find(name);
  return it == Filters().end() ? nullptr : it->second;
}

const std::vector<std::string>& FilterNames() {
  static const auto* names = [] {
    // `default` (and `d`) are handled by the evaluator: they accept a missing value.
    auto* out = new std::vector<std::string>{"default", "d"};
    for (const auto& [name, unused] : Filters()) out->push_back(name);
    return out;
  }();
  return *names;
}

}  // namespace weir::jinja
