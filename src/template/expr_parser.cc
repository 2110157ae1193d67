#include "template/expr_parser.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <optional>

#include "base/strings.h"

namespace weir::jinja {

using ExprPtr = std::unique_ptr<Expr>;

Result<ExprPtr> ExprParser::ParseExpr() {
  size_t start = i_;
  ExprPtr e = TRY(ParseOr());
  if (!IsName("if")) return e;
  Next();
  ExprPtr cond = TRY(ParseOr());
  ExprPtr otherwise;
  if (IsName("else")) {
    Next();
    otherwise = TRY(ParseExpr());
  }
  return Make(Expr::Kind::kCond, start, std::move(e), std::move(cond), std::move(otherwise));
}

Result<ExprPtr> ExprParser::ParseOr() {
  size_t start = i_;
  ExprPtr e = TRY(ParseAnd());
  while (IsName("or")) {
    Next();
    e = MakeBinary(BinaryOp::kOr, start, std::move(e), TRY(ParseAnd()));
  }
  return e;
}

Result<ExprPtr> ExprParser::ParseAnd() {
  size_t start = i_;
  ExprPtr e = TRY(ParseNot());
  while (IsName("and")) {
    Next();
    e = MakeBinary(BinaryOp::kAnd, start, std::move(e), TRY(ParseNot()));
  }
  return e;
}

Result<ExprPtr> ExprParser::ParseNot() {
  size_t start = i_;
  if (!IsName("not")) return ParseCompare();
  Next();
  return Make(Expr::Kind::kNot, start, TRY(ParseNot()));
}

Result<ExprPtr> ExprParser::ParseCompare() {
  static const std::pair<std::string_view, BinaryOp> kOps[] = {
      {"==", BinaryOp::kEq}, {"!=", BinaryOp::kNe}, {"<", BinaryOp::kLt},
      {"<=", BinaryOp::kLe}, {">", BinaryOp::kGt},  {">=", BinaryOp::kGe}};
  size_t start = i_;
  ExprPtr e = TRY(ParseBinary(0));
  while (true) {
    std::optional<BinaryOp> op;
    for (const auto& [text, o] : kOps) {
      if (IsOp(text)) op = o;
    }
    if (IsName("in")) op = BinaryOp::kIn;
    if (IsName("not") && PeekAt(1).kind == TokenKind::kName && PeekAt(1).text == "in") {
      Next();
      op = BinaryOp::kNotIn;
    }
    if (!op) return e;
    Next();
    e = MakeBinary(*op, start, std::move(e), TRY(ParseBinary(0)));
  }
}

// Arithmetic levels: 0 (+ -), 1 (~), 2 (* / // %), 3 (**).
Result<ExprPtr> ExprParser::ParseBinary(int level) {
  static const std::vector<std::pair<std::string_view, BinaryOp>> kLevels[] = {
      {{"+", BinaryOp::kAdd}, {"-", BinaryOp::kSub}},
      {{"~", BinaryOp::kConcat}},
      {{"*", BinaryOp::kMul},
       {"/", BinaryOp::kDiv},
       {"//", BinaryOp::kFloorDiv},
       {"%", BinaryOp::kMod}},
      {{"**", BinaryOp::kPow}}};
  size_t start = i_;
  auto operand = [&]() { return level == 3 ? ParseUnary(true) : ParseBinary(level + 1); };
  ExprPtr e = TRY(operand());
  while (true) {
    std::optional<BinaryOp> op;
    for (const auto& [text, o] : kLevels[level]) {
      if (IsOp(text)) op = o;
    }
    if (!op) return e;
    Next();
    e = MakeBinary(*op, start, std::move(e), TRY(operand()));
  }
}

Result<ExprPtr> ExprParser::ParseUnary(bool with_filters) {
  size_t start = i_;
  ExprPtr e;
  if (AcceptOp("-")) {
    e = Make(Expr::Kind::kNeg, start, TRY(ParseUnary(false)));
  } else if (AcceptOp("+")) {
    e = TRY(ParseUnary(false));
  } else {
    e = TRY(ParsePostfix(TRY(ParsePrimary()), start));
  }
  if (with_filters) e = TRY(ParseFilters(std::move(e), start));
  return e;
}

// The span from token `start` up to the current token, without trailing spaces.
Span ExprParser::SpanFrom(size_t start) const {
  uint32_t end = tokens_[i_].offset;
  while (end > tokens_[start].offset && std::isspace(static_cast<unsigned char>(src_[end - 1])))
    --end;
  return Span{tokens_[start].offset, end};
}
ExprPtr ExprParser::Make(Expr::Kind kind, size_t start, ExprPtr a, ExprPtr b, ExprPtr c) {
  auto e = std::make_unique<Expr>();
  e->kind = kind;
  e->span = SpanFrom(start);
  if (a) e->operands.push_back(std::move(a));
  if (b || c) e->operands.push_back(std::move(b));
  if (c) e->operands.push_back(std::move(c));
  return e;
}
ExprPtr ExprParser::MakeBinary(BinaryOp op, size_t start, ExprPtr a, ExprPtr b) {
  auto e = Make(Expr::Kind::kBinary, start, std::move(a), std::move(b));
  e->op = op;
  return e;
}

Result<ExprPtr> ExprParser::ParsePrimary() {
  size_t start = i_;
  const Token& t = Peek();
  auto literal = [&](Value v) {
    Next();
    auto e = Make(Expr::Kind::kLiteral, start);
    e->literal = std::move(v);
    return e;
  };
  switch (t.kind) {
    case TokenKind::kName: {
      if (t.text == "true" || t.text == "True") return literal(Value::Bool(true));
      if (t.text == "false" || t.text == "False") return literal(Value::Bool(false));
      if (t.text == "none" || t.text == "None") return literal(Value());
      Next();
      auto e = Make(Expr::Kind::kName, start);
      e->name = t.text;
      return e;
    }
    case TokenKind::kString: {
      std::string s = Next().text;
      while (Peek().kind == TokenKind::kString) s += Next().text;  // 'a' 'b' is 'ab'
      auto e = Make(Expr::Kind::kLiteral, start);
      e->literal = Value::Str(std::move(s));
      return e;
    }
    case TokenKind::kInt: {
      int64_t v = 0;
      auto [p, ec] = std::from_chars(t.text.data(), t.text.data() + t.text.size(), v);
      if (ec != std::errc()) return SyntaxError(t.offset, "integer literal out of range");
      return literal(Value::Int(v));
    }
    case TokenKind::kFloat:
      return literal(Value::Float(std::strtod(t.text.c_str(), nullptr)));
    case TokenKind::kOp:
      if (AcceptOp("(")) {
        ExprPtr e = TRY(ParseExpr());
        TRY(ExpectOp(")"));
        return e;
      }
      if (AcceptOp("[")) {
        auto e = Make(Expr::Kind::kList, start);
        while (!IsOp("]")) {
          e->operands.push_back(TRY(ParseExpr()));
          if (!AcceptOp(",")) break;
        }
        TRY(ExpectOp("]"));
        e->span = SpanFrom(start);
        return e;
      }
      break;
    default:
      break;
  }
  return Unexpected("an expression");
}

Result<ExprPtr> ExprParser::ParsePostfix(ExprPtr e, size_t start) {
  while (true) {
    if (AcceptOp(".")) {
      const Token& t = Peek();
      if (t.kind == TokenKind::kName) {
        e = Make(Expr::Kind::kAttr, start, std::move(e));
        e->name = Next().text;
      } else if (t.kind == TokenKind::kInt) {  // a.0 is a[0]
        auto index = std::make_unique<Expr>();
        index->literal = Value::Int(std::atoll(Next().text.c_str()));
        e = Make(Expr::Kind::kItem, start, std::move(e), std::move(index));
      } else {
        return Unexpected("an attribute name after '.'");
      }
      e->span = SpanFrom(start);
    } else if (AcceptOp("[")) {
      ExprPtr lo, hi;
      if (!IsOp(":")) lo = TRY(ParseExpr());
      if (AcceptOp(":")) {
        if (!IsOp("]")) hi = TRY(ParseExpr());
        TRY(ExpectOp("]"));
        auto s = Make(Expr::Kind::kSlice, start, std::move(e));
        s->operands.push_back(std::move(lo));
        s->operands.push_back(std::move(hi));
        e = std::move(s);
      } else {
        if (!lo) return Unexpected("an index");
        TRY(ExpectOp("]"));
        e = Make(Expr::Kind::kItem, start, std::move(e), std::move(lo));
      }
    } else if (IsOp("(")) {
      auto call = Make(Expr::Kind::kCall, start, std::move(e));
      TRY(ParseArgs(*call));
      call->span = SpanFrom(start);
      e = std::move(call);
    } else {
      return e;
    }
  }
}

Result<ExprPtr> ExprParser::ParseFilters(ExprPtr e, size_t start) {
  while (true) {
    if (AcceptOp("|")) {
      const Token& t = Peek();
      if (t.kind != TokenKind::kName) return Unexpected("a filter name after '|'");
      auto f = Make(Expr::Kind::kFilter, start, std::move(e));
      f->name = Next().text;
      if (f->name == "d") f->name = "default";
      if (f->name != "default") {
        f->filter = FindFilter(f->name);
        if (f->filter == nullptr) {
          return SyntaxError(t.offset, fmt::format("unknown filter '{}'{}", f->name,
                                                   DidYouMean(f->name, FilterNames())));
        }
      }
      if (IsOp("(")) TRY(ParseArgs(*f));
      f->span = SpanFrom(start);
      e = std::move(f);
    } else if (IsName("is")) {
      Next();
      auto test = Make(Expr::Kind::kTest, start, std::move(e));
      if (IsName("not")) {
        Next();
        test->negated = true;
      }
      const Token& t = Peek();
      if (t.kind != TokenKind::kName) return Unexpected("a test name after 'is'");
      test->name = ToLower(Next().text);
      if (test->name != "defined" && test->name != "undefined") {
        test->test = FindTest(test->name);
        if (test->test == nullptr) {
          return SyntaxError(t.offset, fmt::format("unknown test '{}'{}", test->name,
                                                   DidYouMean(test->name, TestNames())));
        }
      }
      if (IsOp("(")) TRY(ParseArgs(*test));
      test->span = SpanFrom(start);
      e = std::move(test);
    } else {
      return e;
    }
  }
}

Result<void> ExprParser::ParseArgs(Expr& call) {
  TRY(ExpectOp("("));
  while (!IsOp(")")) {
    if (Peek().kind == TokenKind::kName && i_ + 1 < tokens_.size() &&
        PeekAt(1).kind == TokenKind::kOp && PeekAt(1).text == "=") {
      std::string key = Next().text;
      Next();  // =
      call.kwargs.emplace_back(std::move(key), TRY(ParseExpr()));
    } else {
      if (!call.kwargs.empty()) return Unexpected("a keyword argument (name=value)");
      call.operands.push_back(TRY(ParseExpr()));
    }
    if (!AcceptOp(",")) break;
  }
  return ExpectOp(")");
}

Result<void> ExprParser::ExpectOp(std::string_view op) {
  if (!AcceptOp(op)) return Unexpected(fmt::format("'{}'", op));
  return {};
}

Result<uint32_t> ExprParser::ExpectEnd(TokenKind kind, std::string_view text) {
  if (Peek().kind != kind) return Unexpected(fmt::format("'{}'", text));
  uint32_t at = Next().offset;
  return at + (src_[at] == '-' ? 3 : 2);
}

std::string ExprParser::Describe(const Token& t) const {
  switch (t.kind) {
    case TokenKind::kEof:
      return "the end of the template";
    case TokenKind::kVarEnd:
      return "'}}'";
    case TokenKind::kBlockEnd:
      return "'%}'";
    case TokenKind::kText:
      return "text";
    case TokenKind::kString:
      return "a string";
    default:
      return fmt::format("'{}'", t.text);
  }
}

std::unexpected<weir::Error> ExprParser::Unexpected(std::string_view expected) const {
  return SyntaxError(Peek().offset, fmt::format("expected {}, got {}", expected, Describe(Peek())));
}

std::unexpected<weir::Error> ExprParser::SyntaxError(size_t offset,
                                                     std::string_view problem) const {
  return Err(ErrorCode::kInvalidArgument, "{}: template syntax error at {}: {}", where_,
             PositionText(src_, offset), problem);
}

}  // namespace weir::jinja
