#include "template/eval.h"

#include "base/strings.h"

namespace weir::jinja {

namespace {

// `loop` inside {% for %}: loop.index, loop.index0, loop.first, loop.last, loop.length.
class LoopObject : public Object {
 public:
  size_t index = 0;
  size_t length = 0;

  std::string Repr() const override { return "<loop>"; }
  Eval<Value> Attr(std::string_view name) const override {
    auto n = static_cast<int64_t>(index);
    auto len = static_cast<int64_t>(length);
    if (name == "index") return Value::Int(n + 1);
    if (name == "index0") return Value::Int(n);
    if (name == "revindex") return Value::Int(len - n);
    if (name == "revindex0") return Value::Int(len - n - 1);
    if (name == "first") return Value::Bool(n == 0);
    if (name == "last") return Value::Bool(n + 1 == len);
    if (name == "length") return Value::Int(len);
    static const std::vector<std::string> kNames = {"index", "index0", "revindex", "revindex0",
                                                    "first", "last",   "length"};
    return Missing(fmt::format("loop has no attribute '{}'", name), DidYouMean(name, kNames));
  }
};

class Renderer {
 public:
  Renderer(const TemplateNode& root, const Globals& globals, std::string_view where)
      : root_(root), globals_(globals), where_(where) {}

  Result<std::string> Run() {
    out_.reserve(root_.source.size() + 32);
    TRY(RenderBody(root_.body));
    return std::move(out_);
  }

 private:
  Result<void> RenderBody(const Body& body) {
    for (const auto& n : body) {
      switch (n.kind) {
        case Node::Kind::kText:
          out_ += n.text;
          break;
        case Node::Kind::kOutput: {
          auto v = Evaluate(*n.expr);
          if (!v) return std::unexpected(ToError(v.error(), n.tag));
          AppendOutput(*v, out_);
          break;
        }
        case Node::Kind::kIf:
          for (const auto& branch : n.branches) {
            bool taken = true;
            if (branch.condition) {
              auto v = Evaluate(*branch.condition);
              if (!v) return std::unexpected(ToError(v.error(), branch.tag));
              taken = Truthy(*v);
            }
            if (taken) {
              TRY(RenderBody(branch.body));
              break;
            }
          }
          break;
        case Node::Kind::kFor:
          TRY(RenderFor(n));
          break;
      }
    }
    return {};
  }

  Result<void> RenderFor(const Node& n) {
    auto iterable = Evaluate(*n.expr);
    if (!iterable) return std::unexpected(ToError(iterable.error(), n.tag));
    auto items = Iterate(*iterable);
    if (!items) return std::unexpected(ToError(items.error(), n.tag));
    if (items->empty()) return RenderBody(n.else_body);
    LoopObject loop;
    loop.length = items->size();
    size_t mark = locals_.size();
    locals_.resize(mark + n.loop_vars.size() + 1);
    for (size_t k = 0; k < n.loop_vars.size(); ++k) locals_[mark + k].first = n.loop_vars[k];
    locals_.back().first = "loop";
    locals_.back().second = Value::Obj(&loop);
    for (size_t i = 0; i < items->size(); ++i) {
      loop.index = i;
      const Value& item = (*items)[i];
      if (n.loop_vars.size() == 1) {
        locals_[mark].second = item;
      } else {
        if (!item.is(Value::Kind::kList) || item.list().size() != n.loop_vars.size()) {
          auto unpack =
              Fail("cannot unpack {} into {} loop variables", Repr(item), n.loop_vars.size());
          return std::unexpected(ToError(unpack.error(), n.tag));
        }
        for (size_t k = 0; k < n.loop_vars.size(); ++k) {
          locals_[mark + k].second = item.list()[k];
        }
      }
      TRY(RenderBody(n.body));
    }
    locals_.resize(mark);
    return {};
  }

  weir::Error ToError(const EvalError& e, Span tag) const {
    std::string_view text = Text(tag);
    std::string message = where_.empty() ? std::string() : fmt::format("{}: ", where_);
    message += fmt::format("{} in {}{}", e.problem, text, e.hint);
    return weir::Error{e.code, std::move(message)};
  }

  std::string_view Text(Span s) const {
    return std::string_view(root_.source).substr(s.begin, s.end - s.begin);
  }

  Eval<CallArgs> EvaluateArgs(const Expr& e, size_t first) {
    CallArgs args;
    args.positional.reserve(e.operands.size() - first);
    for (size_t i = first; i < e.operands.size(); ++i) {
      args.positional.push_back(TRY(Evaluate(*e.operands[i])));
    }
    for (const auto& [key, arg] : e.kwargs) args.keyword.emplace_back(key, TRY(Evaluate(*arg)));
    return args;
  }

  Eval<Value> Evaluate(const Expr& e) {
    switch (e.kind) {
      case Expr::Kind::kLiteral:
        return e.literal;
      case Expr::Kind::kName:
        for (auto it = locals_.rbegin(); it != locals_.rend(); ++it) {
          if (it->first == e.name) return it->second;
        }
        return globals_.Lookup(e.name);
      case Expr::Kind::kAttr:
        return GetAttr(TRY(Evaluate(*e.operands[0])), e.name, Text(e.operands[0]->span));
      case Expr::Kind::kItem: {
        Value base = TRY(Evaluate(*e.operands[0]));
        return GetItem(base, TRY(Evaluate(*e.operands[1])), Text(e.operands[0]->span));
      }
      case Expr::Kind::kSlice:
        return EvaluateSlice(e);
      case Expr::Kind::kCall:
        return EvaluateCall(e);
      case Expr::Kind::kFilter:
        return EvaluateFilter(e);
      case Expr::Kind::kTest:
        return EvaluateTest(e);
      case Expr::Kind::kNot:
        return Value::Bool(!Truthy(TRY(Evaluate(*e.operands[0]))));
      case Expr::Kind::kNeg: {
        Value v = TRY(Evaluate(*e.operands[0]));
        return ApplyBinary(BinaryOp::kSub, Value::Int(0), v);
      }
      case Expr::Kind::kBinary:
        return EvaluateBinary(e);
      case Expr::Kind::kCond: {
        if (Truthy(TRY(Evaluate(*e.operands[1])))) return Evaluate(*e.operands[0]);
        if (e.operands.size() > 2) return Evaluate(*e.operands[2]);
        return Value::Str("");
      }
      case Expr::Kind::kList: {
        List items;
        items.reserve(e.operands.size());
        for (const auto& op : e.operands) items.push_back(TRY(Evaluate(*op)));
        return Value::MakeList(std::move(items));
      }
    }
    return Fail("unsupported expression");
  }

  Eval<Value> EvaluateBinary(const Expr& e) {
    Value a = TRY(Evaluate(*e.operands[0]));
    if (e.op == BinaryOp::kAnd) return Truthy(a) ? Evaluate(*e.operands[1]) : a;
    if (e.op == BinaryOp::kOr) return Truthy(a) ? a : Evaluate(*e.operands[1]);
    Value b = TRY(Evaluate(*e.operands[1]));
    return ApplyBinary(e.op, a, b);
  }

  Eval<Value> EvaluateSlice(const Expr& e) {
    Value base = TRY(Evaluate(*e.operands[0]));
    auto bound = [&](const Expr* x, int64_t fallback, int64_t size) -> Eval<int64_t> {
      if (x == nullptr) return fallback;
      Value v = TRY(Evaluate(*x));
      if (v.is_none()) return fallback;
      if (!v.is(Value::Kind::kInt)) return Fail("slice indices must be integers");
      int64_t i = v.integer();
      if (i < 0) i += size;
      return std::clamp<int64_t>(i, 0, size);
    };
    int64_t size = 0;
    if (base.is(Value::Kind::kString)) {
      size = static_cast<int64_t>(base.str().size());
    } else if (base.is(Value::Kind::kList)) {
      size = static_cast<int64_t>(base.list().size());
    } else {
      return Fail("cannot slice a {} ({})", TypeName(base), Text(e.operands[0]->span));
    }
    int64_t lo = TRY(bound(e.operands[1].get(), 0, size));
    int64_t hi = std::max(lo, TRY(bound(e.operands[2].get(), size, size)));
    if (base.is(Value::Kind::kString)) return Value::Str(base.str().substr(lo, hi - lo));
    return Value::MakeList(List(base.list().begin() + lo, base.list().begin() + hi));
  }

  Eval<Value> EvaluateCall(const Expr& e) {
    const Expr& callee = *e.operands[0];
    CallArgs args = TRY(EvaluateArgs(e, 1));
    if (callee.kind == Expr::Kind::kAttr) {
      Value base = TRY(Evaluate(*callee.operands[0]));
      return CallMethod(base, callee.name, args, Text(callee.operands[0]->span));
    }
    if (callee.kind == Expr::Kind::kName && callee.name == "range") return Range(args);
    Value v = TRY(Evaluate(callee));
    return Fail("{} ({}) is not callable", Text(callee.span), TypeName(v));
  }

  static Eval<Value> Range(const CallArgs& args) {
    if (args.positional.empty() || args.positional.size() > 3 || !args.keyword.empty()) {
      return Fail("range() takes 1 to 3 integers");
    }
    int64_t p[3] = {0, 0, 1};
    for (size_t i = 0; i < args.positional.size(); ++i) {
      if (!args.positional[i].is(Value::Kind::kInt)) return Fail("range() takes integers");
      p[args.positional.size() == 1 ? 1 : i] = args.positional[i].integer();
    }
    if (p[2] == 0) return Fail("range() step must not be zero");
    List items;
    for (int64_t i = p[0]; p[2] > 0 ? i < p[1] : i > p[1]; i += p[2]) {
      if (items.size() >= 100'000) return Fail("range() is limited to 100000 items");
      items.push_back(Value::Int(i));
    }
    return Value::MakeList(std::move(items));
  }

  Eval<Value> EvaluateFilter(const Expr& e) {
    if (e.filter == nullptr) {  // default(value='', boolean=false)
      CallArgs args = TRY(EvaluateArgs(e, 1));
      TRY(args.Expect("default", {"default_value", "boolean"}));
      auto input = Evaluate(*e.operands[0]);
      if (!input && !input.error().undefined) return input;
      const Value* fallback = args.Get(0, "default_value");
      const Value* boolean = args.Get(1, "boolean");
      bool use_default = !input || (boolean != nullptr && Truthy(*boolean) && !Truthy(*input));
      if (!use_default) return input;
      return fallback != nullptr ? *fallback : Value::Str("");
    }
    Value input = TRY(Evaluate(*e.operands[0]));
    CallArgs args = TRY(EvaluateArgs(e, 1));
    auto result = e.filter(input, args);
    if (!result)
      result.error().problem = fmt::format("filter '{}': {}", e.name, result.error().problem);
    return result;
  }

  Eval<Value> EvaluateTest(const Expr& e) {
    bool result = false;
    if (e.test == nullptr) {  // defined / undefined
      auto input = Evaluate(*e.operands[0]);
      if (!input && !input.error().undefined) return std::unexpected(input.error());
      result = input.has_value() == (e.name == "defined");
    } else {
      Value input = TRY(Evaluate(*e.operands[0]));
      CallArgs args = TRY(EvaluateArgs(e, 1));
      result = TRY(e.test(input, args));
    }
    return Value::Bool(result != e.negated);
  }

  const TemplateNode& root_;
  const Globals& globals_;
  std::string_view where_;
  std::vector<std::pair<std::string_view, Value>> locals_;
  std::string out_;
};

}  // namespace

Result<std::string> RenderTemplate(const TemplateNode& root, const Globals& globals,
                                   std::string_view where) {
  return Renderer(root, globals, where).Run();
}

}  // namespace weir::jinja
