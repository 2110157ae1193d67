// Operators with Python semantics: int/float promotion, floor division and modulo that follow
// the divisor's sign, string and list concatenation, date and timedelta arithmetic.

#include <charconv>
#include <cmath>

#include "base/strings.h"
#include "template/eval.h"

namespace weir::jinja {

namespace {

std::string_view OpText(BinaryOp op) {
  static constexpr std::string_view kText[] = {"+",  "-",  "*",  "/",      "//",  "%",
                                               "**", "~",  "==", "!=",     "<",   "<=",
                                               ">",  ">=", "in", "not in", "and", "or"};
  return kText[static_cast<int>(op)];
}

std::unexpected<EvalError> Unsupported(BinaryOp op, const Value& a, const Value& b) {
  return Fail("unsupported operand types for {}: '{}' and '{}'", OpText(op), TypeName(a),
              TypeName(b));
}

// bool takes part in arithmetic as 0/1, as in Python.
Value Numeric(const Value& v) {
  return v.is(Value::Kind::kBool) ? Value::Int(v.boolean() ? 1 : 0) : v;
}

Eval<Value> IntArithmetic(BinaryOp op, int64_t a, int64_t b) {
  switch (op) {
    case BinaryOp::kAdd:
      return Value::Int(a + b);
    case BinaryOp::kSub:
      return Value::Int(a - b);
    case BinaryOp::kMul:
      return Value::Int(a * b);
    case BinaryOp::kDiv:
      if (b == 0) return Fail("division by zero");
      return Value::Float(static_cast<double>(a) / static_cast<double>(b));
    case BinaryOp::kFloorDiv: {
      if (b == 0) return Fail("division by zero");
      int64_t q = a / b;
      if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
      return Value::Int(q);
    }
    case BinaryOp::kMod: {
      if (b == 0) return Fail("modulo by zero");
      int64_t r = a % b;
      if (r != 0 && ((r < 0) != (b < 0))) r += b;
      return Value::Int(r);
    }
    case BinaryOp::kPow: {
      if (b < 0) return Value::Float(std::pow(static_cast<double>(a), static_cast<double>(b)));
      int64_t r = 1;
      for (int64_t i = 0; i < b && i < 64; ++i) r *= a;
      return Value::Int(r);
    }
    default:
      return Fail("unsupported integer operator {}", OpText(op));
  }
}

Eval<Value> FloatArithmetic(BinaryOp op, double a, double b) {
  switch (op) {
    case BinaryOp::kAdd:
      return Value::Float(a + b);
    case BinaryOp::kSub:
      return Value::Float(a - b);
    case BinaryOp::kMul:
      return Value::Float(a * b);
    case BinaryOp::kDiv:
      if (b == 0) return Fail("division by zero");
      return Value::Float(a / b);
    case BinaryOp::kFloorDiv:
      if (b == 0) return Fail("division by zero");
      return Value::Float(std::floor(a / b));
    case BinaryOp::kMod: {
      if (b == 0) return Fail("modulo by zero");
      double r = std::fmod(a, b);
      if (r != 0 && ((r < 0) != (b < 0))) r += b;
      return Value::Float(r);
    }
    case BinaryOp::kPow:
      return Value::Float(std::pow(a, b));
    default:
      return Fail("unsupported float operator {}", OpText(op));
  }
}

Eval<Value> DateArithmetic(BinaryOp op, const Value& a, const Value& b) {
  using K = Value::Kind;
  if (a.is(K::kDate) && b.is(K::kDelta) && (op == BinaryOp::kAdd || op == BinaryOp::kSub)) {
    int64_t sign = op == BinaryOp::kAdd ? 1 : -1;
    return Value::Date(AddToDate(a.date(), 0, sign * b.delta().days, sign * b.delta().micros));
  }
  if (a.is(K::kDelta) && b.is(K::kDate) && op == BinaryOp::kAdd) {
    return Value::Date(AddToDate(b.date(), 0, a.delta().days, a.delta().micros));
  }
  if (a.is(K::kDate) && b.is(K::kDate) && op == BinaryOp::kSub) {
    return Value::Delta(NormalizeDelta(0, (a.date().t - b.date().t).count()));
  }
  if (a.is(K::kDelta) && b.is(K::kDelta) && (op == BinaryOp::kAdd || op == BinaryOp::kSub)) {
    int64_t sign = op == BinaryOp::kAdd ? 1 : -1;
    return Value::Delta(NormalizeDelta(a.delta().days + sign * b.delta().days,
                                       a.delta().micros + sign * b.delta().micros));
  }
  if (a.is(K::kDelta) && b.is(K::kInt) && op == BinaryOp::kMul) {
    return Value::Delta(
        NormalizeDelta(a.delta().days * b.integer(), a.delta().micros * b.integer()));
  }
  return Unsupported(op, a, b);
}

Value Repeat(const Value& v, int64_t n) {
  if (v.is(Value::Kind::kString)) {
    std::string out;
    for (int64_t i = 0; i < n; ++i) out += v.str();
    return Value::Str(std::move(out));
  }
  List out;
  for (int64_t i = 0; i < n; ++i) out.insert(out.end(), v.list().begin(), v.list().end());
  return Value::MakeList(std::move(out));
}

}  // namespace

Eval<Value> ApplyBinary(BinaryOp op, const Value& a_in, const Value& b_in) {
  using K = Value::Kind;
  switch (op) {
    case BinaryOp::kConcat:
      return Value::Str(ToOutput(a_in) + ToOutput(b_in));
    case BinaryOp::kEq:
      return Value::Bool(Equals(a_in, b_in));
    case BinaryOp::kNe:
      return Value::Bool(!Equals(a_in, b_in));
    case BinaryOp::kLt:
      return Value::Bool(TRY(Compare(a_in, b_in)) < 0);
    case BinaryOp::kLe:
      return Value::Bool(TRY(Compare(a_in, b_in)) <= 0);
    case BinaryOp::kGt:
      return Value::Bool(TRY(Compare(a_in, b_in)) > 0);
    case BinaryOp::kGe:
      return Value::Bool(TRY(Compare(a_in, b_in)) >= 0);
    case BinaryOp::kIn:
      return Value::Bool(TRY(Contains(b_in, a_in)));
    case BinaryOp::kNotIn:
      return Value::Bool(!TRY(Contains(b_in, a_in)));
    default:
      break;
  }
  Value a = Numeric(a_in);
  Value b = Numeric(b_in);
  if (a.is(K::kInt) && b.is(K::kInt)) return IntArithmetic(op, a.integer(), b.integer());
  if (a.is_number() && b.is_number()) return FloatArithmetic(op, a.number(), b.number());
  if (op == BinaryOp::kAdd && a.kind() == b.kind()) {
    if (a.is(K::kString)) return Value::Str(a.str() + b.str());
    if (a.is(K::kList)) {
      List out = a.list();
      out.insert(out.end(), b.list().begin(), b.list().end());
      return Value::MakeList(std::move(out));
    }
  }
  if (op == BinaryOp::kMul && (a.is(K::kString) || a.is(K::kList)) && b.is(K::kInt)) {
    return Repeat(a, std::min<int64_t>(b.integer(), 10'000));
  }
  if (a.is(K::kDate) || a.is(K::kDelta) || b.is(K::kDate)) return DateArithmetic(op, a, b);
  return Unsupported(op, a, b);
}

Eval<bool> Contains(const Value& container, const Value& item) {
  switch (container.kind()) {
    case Value::Kind::kString:
      if (!item.is(Value::Kind::kString)) {
        return Fail("'in <string>' requires a string on the left, not {}", TypeName(item));
      }
      return container.str().find(item.str()) != std::string::npos;
    case Value::Kind::kList:
      for (const auto& v : container.list()) {
        if (Equals(v, item)) return true;
      }
      return false;
    case Value::Kind::kDict:
      return item.is(Value::Kind::kString) && container.dict().node->contains(item.str());
    default:
      return Fail("'in' needs a string, list or dict on the right, not {}", TypeName(container));
  }
}

Eval<List> Iterate(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kList:
      return v.list();
    case Value::Kind::kDict: {
      List keys;
      for (const auto& [k, unused] : v.dict().node->items()) keys.push_back(Value::Str(k));
      return keys;
    }
    case Value::Kind::kString: {
      List chars;
      for (char c : v.str()) chars.push_back(Value::Str(std::string(1, c)));
      return chars;
    }
    default:
      return Fail("cannot loop over a {}", TypeName(v));
  }
}

Eval<int64_t> ToInt(const Value& v, std::string_view what) {
  switch (v.kind()) {
    case Value::Kind::kInt:
      return v.integer();
    case Value::Kind::kBool:
      return v.boolean() ? 1 : 0;
    case Value::Kind::kFloat:
      return static_cast<int64_t>(v.real());
    case Value::Kind::kString: {
      std::string_view s = Trim(v.str());
      int64_t out = 0;
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
      if (ec == std::errc() && p == s.data() + s.size() && !s.empty()) return out;
      double d = 0;
      auto [pd, ecd] = std::from_chars(s.data(), s.data() + s.size(), d);
      if (ecd == std::errc() && pd == s.data() + s.size() && !s.empty()) {
        return static_cast<int64_t>(d);
      }
      break;
    }
    default:
      break;
  }
  return Fail("{}: cannot convert {} to int", what, Repr(v));
}

Eval<double> ToFloat(const Value& v, std::string_view what) {
  if (v.is_number()) return v.number();
  if (v.is(Value::Kind::kBool)) return v.boolean() ? 1.0 : 0.0;
  if (v.is(Value::Kind::kString)) {
    std::string_view s = Trim(v.str());
    double d = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
    if (ec == std::errc() && p == s.data() + s.size() && !s.empty()) return d;
  }
  return Fail("{}: cannot convert {} to float", what, Repr(v));
}

}  // namespace weir::jinja
