// Attribute, item and method access on values: dict keys (Jinja's `a.b` is `a['b']`), list
// indexes, and the Python str/dict methods tutorials use.

#include <algorithm>
#include <cctype>

#include "base/strings.h"
#include "template/eval.h"

namespace weir::jinja {

namespace {

std::vector<std::string> Keys(const Json& object) {
  std::vector<std::string> keys;
  for (const auto& [k, unused] : object.items()) keys.push_back(k);
  return keys;
}

Eval<std::string> StrArg(const CallArgs& args, size_t index, std::string_view name,
                         std::string_view method) {
  const Value* v = args.Get(index, name);
  if (v == nullptr) return Fail("{}() needs the argument '{}'", method, name);
  if (!v->is(Value::Kind::kString)) {
    return Fail("{}() argument '{}' must be a string, not {}", method, name, TypeName(*v));
  }
  return v->str();
}

std::string ReplaceAll(std::string s, std::string_view from, std::string_view to, int64_t count) {
  if (from.empty()) return s;
  size_t pos = 0;
  for (int64_t n = 0; (count < 0 || n < count) && (pos = s.find(from, pos)) != std::string::npos;
       ++n) {
    s.replace(pos, from.size(), to);
    pos += to.size();
  }
  return s;
}

Eval<Value> StringMethod(const std::string& s, std::string_view name, const CallArgs& args) {
  auto transform = [&](auto fn) {
    std::string out = s;
    std::transform(out.begin(), out.end(), out.begin(),
                   [&](unsigned char c) { return static_cast<char>(fn(c)); });
    return Value::Str(std::move(out));
  };
  if (name == "upper") return transform(::toupper);
  if (name == "lower") return transform(::tolower);
  if (name == "strip") return Value::Str(std::string(Trim(s)));
  if (name == "lstrip" || name == "rstrip") {
    std::string_view v = s;
    while (name == "lstrip" && !v.empty() && std::isspace(static_cast<unsigned char>(v.front())))
      v.remove_prefix(1);
    while (name == "rstrip" && !v.empty() && std::isspace(static_cast<unsigned char>(v.back())))
      v.remove_suffix(1);
    return Value::Str(std::string(v));
  }
  if (name == "startswith" || name == "endswith") {
    std::string arg = TRY(StrArg(args, 0, "prefix", name));
    return Value::Bool(name == "startswith" ? s.starts_with(arg) : s.ends_with(arg));
  }
  if (name == "replace") {
    std::string from = TRY(StrArg(args, 0, "old", name));
    std::string to = TRY(StrArg(args, 1, "new", name));
    const Value* count = args.Get(2, "count");
    return Value::Str(ReplaceAll(s, from, to, count ? TRY(ToInt(*count, "count")) : -1));
  }
  if (name == "split") {
    List parts;
    const Value* sep = args.Get(0, "sep");
    if (sep == nullptr || sep->is_none()) {
      std::string word;
      for (char c : s) {
        if (std::isspace(static_cast<unsigned char>(c))) {
          if (!word.empty()) parts.push_back(Value::Str(std::move(word)));
          word.clear();
        } else {
          word += c;
        }
      }
      if (!word.empty()) parts.push_back(Value::Str(std::move(word)));
    } else {
      std::string by = TRY(StrArg(args, 0, "sep", name));
      if (by.empty()) return Fail("split() separator must not be empty");
      size_t start = 0, at = 0;
      while ((at = s.find(by, start)) != std::string::npos) {
        parts.push_back(Value::Str(s.substr(start, at - start)));
        start = at + by.size();
      }
      parts.push_back(Value::Str(s.substr(start)));
    }
    return Value::MakeList(std::move(parts));
  }
  if (name == "join") {
    const Value* items = args.Get(0, "iterable");
    if (items == nullptr) return Fail("join() needs a list");
    std::string out;
    List list = TRY(Iterate(*items));
    for (size_t i = 0; i < list.size(); ++i) {
      if (i > 0) out += s;
      out += ToOutput(list[i]);
    }
    return Value::Str(std::move(out));
  }
  if (name == "zfill") {
    int64_t width = TRY(ToInt(args.Get(0, "width") ? *args.Get(0, "width") : Value(), "width"));
    std::string out = s;
    size_t sign = !out.empty() && (out[0] == '-' || out[0] == '+') ? 1 : 0;
    if (static_cast<int64_t>(out.size()) < width) out.insert(sign, width - out.size(), '0');
    return Value::Str(std::move(out));
  }
  static const std::vector<std::string> kMethods = {"upper",  "lower",      "strip",    "lstrip",
                                                    "rstrip", "startswith", "endswith", "replace",
                                                    "split",  "join",       "zfill"};
  return Unknown(fmt::format("str has no method '{}'", name), DidYouMean(name, kMethods));
}

Eval<Value> DictMethod(const JsonRef& d, std::string_view name, const CallArgs& args,
                       std::string_view what) {
  const Json& j = *d.node;
  if (name == "get") {
    std::string key = TRY(StrArg(args, 0, "key", "get"));
    auto it = j.find(key);
    if (it != j.end()) return FromJson(*it, d.owner);
    const Value* fallback = args.Get(1, "default");
    return fallback ? *fallback : Value();
  }
  if (name == "keys" || name == "values" || name == "items") {
    List out;
    for (const auto& [k, v] : j.items()) {
      if (name == "keys") {
        out.push_back(Value::Str(k));
      } else if (name == "values") {
        out.push_back(FromJson(v, d.owner));
      } else {
        out.push_back(Value::MakeList({Value::Str(k), FromJson(v, d.owner)}));
      }
    }
    return Value::MakeList(std::move(out));
  }
  return Unknown(fmt::format("dict {} has no method '{}'", what, name),
                 DidYouMean(name, {"get", "keys", "values", "items"}));
}

}  // namespace

Eval<Value> GetAttr(const Value& v, std::string_view name, std::string_view what) {
  switch (v.kind()) {
    case Value::Kind::kDict: {
      const Json& j = *v.dict().node;
      auto it = j.find(name);
      if (it != j.end()) return FromJson(*it, v.dict().owner);
      return Missing(fmt::format("no key '{}' in {}", name, what), DidYouMean(name, Keys(j)));
    }
    case Value::Kind::kObject:
      return v.object()->Attr(name);
    case Value::Kind::kDate:
      return DateAttr(v.date(), name);
    case Value::Kind::kDelta:
      if (name == "days") return Value::Int(v.delta().days);
      if (name == "seconds") return Value::Int(v.delta().micros / 1'000'000);
      if (name == "microseconds") return Value::Int(v.delta().micros % 1'000'000);
      break;
    default:
      break;
  }
  return Missing(fmt::format("{} ({}) has no attribute '{}'", what, TypeName(v), name));
}

Eval<Value> GetItem(const Value& v, const Value& key, std::string_view what) {
  if (v.is(Value::Kind::kDict) || v.is(Value::Kind::kObject)) {
    if (!key.is(Value::Kind::kString)) {
      return Fail("{} keys are strings, not {}", what, TypeName(key));
    }
    return GetAttr(v, key.str(), what);
  }
  if (v.is(Value::Kind::kList) || v.is(Value::Kind::kString)) {
    if (!key.is(Value::Kind::kInt)) {
      return Fail("{} indexes are integers, not {}", what, TypeName(key));
    }
    auto size = static_cast<int64_t>(v.is(Value::Kind::kList) ? v.list().size() : v.str().size());
    int64_t i = key.integer() < 0 ? key.integer() + size : key.integer();
    if (i < 0 || i >= size) {
      return Missing(
          fmt::format("index {} out of range for {} (length {})", key.integer(), what, size));
    }
    if (v.is(Value::Kind::kList)) return v.list()[i];
    return Value::Str(std::string(1, v.str()[i]));
  }
  return Fail("{} ({}) cannot be indexed", what, TypeName(v));
}

Eval<Value> CallMethod(const Value& v, std::string_view name, const CallArgs& args,
                       std::string_view what) {
  switch (v.kind()) {
    case Value::Kind::kObject:
      return v.object()->Call(name, args);
    case Value::Kind::kString:
      return StringMethod(v.str(), name, args);
    case Value::Kind::kDict:
      return DictMethod(v.dict(), name, args, what);
    case Value::Kind::kDate:
      return DateMethod(v.date(), name, args);
    case Value::Kind::kDelta:
      if (name == "total_seconds") {
        return Value::Float(static_cast<double>(v.delta().days) * 86400.0 +
                            static_cast<double>(v.delta().micros) / 1e6);
      }
      break;
    default:
      break;
  }
  return Fail("{} ({}) has no method '{}'", what, TypeName(v), name);
}

}  // namespace weir::jinja
