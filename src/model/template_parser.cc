#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <optional>

#include "base/strings.h"
#include "model/template_ast.h"
#include "model/template_lexer.h"

namespace weir::jinja {

namespace {

using ExprPtr = std::unique_ptr<Expr>;

class Parser {
 public:
  Parser(std::string_view src, std::string_view where, std::vector<Token> tokens)
      : src_(src), where_(where), tokens_(std::move(tokens)) {}

  // Parses nodes until `{% <one of ends> ...`; the tag's keyword is consumed and returned in
  // *end (empty at the end of input, which is an error when ends is not empty).
  Result<Body> ParseBody(const std::vector<std::string_view>& ends, size_t opened_at,
                         std::string* end) {
    Body body;
    while (true) {
      const Token& t = Peek();
      if (t.kind == TokenKind::kEof) {
        if (ends.empty()) return body;
        return SyntaxError(opened_at, fmt::format("missing '{{% {} %}}'", ends.back()));
      }
      if (t.kind == TokenKind::kText) {
        Node n;
        n.text = Next().text;
        body.push_back(std::move(n));
        continue;
      }
      if (t.kind == TokenKind::kVarBegin) {
        Node n;
        n.kind = Node::Kind::kOutput;
        n.tag.begin = Next().offset;
        n.expr = TRY(ParseExpr());
        n.tag.end = TRY(ExpectEnd(TokenKind::kVarEnd, "}}"));
        body.push_back(std::move(n));
        continue;
      }
      size_t tag_begin = Next().offset;  // kBlockBegin
      const Token& word = Peek();
      if (word.kind != TokenKind::kName) return Unexpected("a tag name such as 'if' or 'for'");
      for (auto e : ends) {
        if (word.text == e) {
          *end = Next().text;
          return body;
        }
      }
      if (word.text == "if") {
        body.push_back(TRY(ParseIf(tag_begin)));
      } else if (word.text == "for") {
        body.push_back(TRY(ParseFor(tag_begin)));
      } else {
        static const std::vector<std::string> kTags = {"if",  "elif",   "else", "endif",
                                                       "for", "endfor", "raw",  "endraw"};
        bool known = std::find(kTags.begin(), kTags.end(), word.text) != kTags.end();
        return SyntaxError(word.offset,
                           known ? fmt::format("unexpected '{{% {} %}}'", word.text)
                                 : fmt::format("unknown tag '{}' (supported: if, for, raw){}",
                                               word.text, DidYouMean(word.text, kTags)));
      }
    }
  }

  size_t end_offset() const { return src_.size(); }

 private:
  Result<Node> ParseIf(size_t tag_begin) {
    Node n;
    n.kind = Node::Kind::kIf;
    n.tag.begin = static_cast<uint32_t>(tag_begin);
    Next();  // if
    std::string end = "elif";
    Span tag{static_cast<uint32_t>(tag_begin), 0};
    while (end == "elif" || end == "else") {
      IfBranch branch;
      if (end == "elif" || n.branches.empty()) branch.condition = TRY(ParseExpr());
      tag.end = TRY(ExpectEnd(TokenKind::kBlockEnd, "%}"));
      branch.tag = tag;
      bool is_else = branch.condition == nullptr;
      if (n.branches.empty()) n.tag.end = tag.end;
      std::vector<std::string_view> ends = {"elif", "else", "endif"};
      if (is_else) ends = {"endif"};
      branch.body = TRY(ParseBody(ends, tag_begin, &end));
      tag.begin = tokens_[i_ - 2].offset;
      n.branches.push_back(std::move(branch));
    }
    TRY(ExpectEnd(TokenKind::kBlockEnd, "%}"));
    return n;
  }

  Result<Node> ParseFor(size_t tag_begin) {
    Node n;
    n.kind = Node::Kind::kFor;
    n.tag.begin = static_cast<uint32_t>(tag_begin);
    Next();  // for
    do {
      if (Peek().kind != TokenKind::kName) return Unexpected("a loop variable name");
      n.loop_vars.push_back(Next().text);
    } while (AcceptOp(","));
    if (!IsName("in")) return Unexpected("'in'");
    Next();
    n.expr = TRY(ParseExpr());
    n.tag.end = TRY(ExpectEnd(TokenKind::kBlockEnd, "%}"));
    std::string end;
    n.body = TRY(ParseBody({"else", "endfor"}, tag_begin, &end));
    TRY(ExpectEnd(TokenKind::kBlockEnd, "%}"));
    if (end == "else") {
      n.else_body = TRY(ParseBody({"endfor"}, tag_begin, &end));
      TRY(ExpectEnd(TokenKind::kBlockEnd, "%}"));
    }
    return n;
  }

  // Expressions, lowest precedence first (Jinja's grammar).
  Result<ExprPtr> ParseExpr() {
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

  Result<ExprPtr> ParseOr() {
    size_t start = i_;
    ExprPtr e = TRY(ParseAnd());
    while (IsName("or")) {
      Next();
      e = MakeBinary(BinaryOp::kOr, start, std::move(e), TRY(ParseAnd()));
    }
    return e;
  }

  Result<ExprPtr> ParseAnd() {
    size_t start = i_;
    ExprPtr e = TRY(ParseNot());
    while (IsName("and")) {
      Next();
      e = MakeBinary(BinaryOp::kAnd, start, std::move(e), TRY(ParseNot()));
    }
    return e;
  }

  Result<ExprPtr> ParseNot() {
    size_t start = i_;
    if (!IsName("not")) return ParseCompare();
    Next();
    return Make(Expr::Kind::kNot, start, TRY(ParseNot()));
  }

  Result<ExprPtr> ParseCompare() {
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
      if (IsName("not") && i_ + 1 < tokens_.size() && tokens_[i_ + 1].kind == TokenKind::kName &&
          tokens_[i_ + 1].text == "in") {
        Next();
        op = BinaryOp::kNotIn;
      }
      if (!op) return e;
      Next();
      e = MakeBinary(*op, start, std::move(e), TRY(ParseBinary(0)));
    }
  }

  // Arithmetic levels: 0 (+ -), 1 (~), 2 (* / // %), 3 (**).
  Result<ExprPtr> ParseBinary(int level) {
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

  Result<ExprPtr> ParseUnary(bool with_filters) {
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

  Result<ExprPtr> ParsePrimary();
  Result<ExprPtr> ParsePostfix(ExprPtr e, size_t start);
  Result<ExprPtr> ParseFilters(ExprPtr e, size_t start);
  Result<void> ParseArgs(Expr& call);

  // Token helpers.
  const Token& Peek() const { return tokens_[i_]; }
  const Token& Next() { return tokens_[i_ < tokens_.size() - 1 ? i_++ : i_]; }
  bool IsOp(std::string_view op) const {
    return Peek().kind == TokenKind::kOp && Peek().text == op;
  }
  bool IsName(std::string_view name) const {
    return Peek().kind == TokenKind::kName && Peek().text == name;
  }
  bool AcceptOp(std::string_view op) {
    if (!IsOp(op)) return false;
    Next();
    return true;
  }
  Result<void> ExpectOp(std::string_view op) {
    if (!AcceptOp(op)) return Unexpected(fmt::format("'{}'", op));
    return {};
  }
  // Consumes the closing delimiter; returns the offset just after it.
  Result<uint32_t> ExpectEnd(TokenKind kind, std::string_view text) {
    if (Peek().kind != kind) return Unexpected(fmt::format("'{}'", text));
    uint32_t at = Next().offset;
    return at + (src_[at] == '-' ? 3 : 2);
  }

  std::string Describe(const Token& t) const {
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
  std::unexpected<weir::Error> Unexpected(std::string_view expected) const {
    return SyntaxError(Peek().offset,
                       fmt::format("expected {}, got {}", expected, Describe(Peek())));
  }
  std::unexpected<weir::Error> SyntaxError(size_t offset, std::string_view problem) const {
    return Err(ErrorCode::kInvalidArgument, "{}: template syntax error at {}: {}", where_,
               PositionText(src_, offset), problem);
  }

  // The span from token `start` up to the current token, without trailing spaces.
  Span SpanFrom(size_t start) const {
    uint32_t end = tokens_[i_].offset;
    while (end > tokens_[start].offset && std::isspace(static_cast<unsigned char>(src_[end - 1])))
      --end;
    return Span{tokens_[start].offset, end};
  }
  ExprPtr Make(Expr::Kind kind, size_t start, ExprPtr a = nullptr, ExprPtr b = nullptr,
               ExprPtr c = nullptr) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->span = SpanFrom(start);
    if (a) e->operands.push_back(std::move(a));
    if (b || c) e->operands.push_back(std::move(b));
    if (c) e->operands.push_back(std::move(c));
    return e;
  }
  ExprPtr MakeBinary(BinaryOp op, size_t start, ExprPtr a, ExprPtr b) {
    auto e = Make(Expr::Kind::kBinary, start, std::move(a), std::move(b));
    e->op = op;
    return e;
  }

  std::string_view src_;
  std::string_view where_;
  std::vector<Token> tokens_;
  size_t i_ = 0;
};

Result<ExprPtr> Parser::ParsePrimary() {
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

Result<ExprPtr> Parser::ParsePostfix(ExprPtr e, size_t start) {
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

Result<ExprPtr> Parser::ParseFilters(ExprPtr e, size_t start) {
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

Result<void> Parser::ParseArgs(Expr& call) {
  TRY(ExpectOp("("));
  while (!IsOp(")")) {
    if (Peek().kind == TokenKind::kName && i_ + 1 < tokens_.size() &&
        tokens_[i_ + 1].kind == TokenKind::kOp && tokens_[i_ + 1].text == "=") {
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

void VisitExpr(const Expr& e, const std::vector<std::string>& bound, Span tag,
               const ExprVisitor& f) {
  f(e, bound, tag);
  for (const auto& op : e.operands) {
    if (op) VisitExpr(*op, bound, tag, f);
  }
  for (const auto& [k, v] : e.kwargs) VisitExpr(*v, bound, tag, f);
}

}  // namespace

Result<std::unique_ptr<TemplateNode>> ParseTemplate(std::string_view source,
                                                    std::string_view where) {
  LexResult lexed = TRY(Tokenize(source, where));
  auto root = std::make_unique<TemplateNode>();
  root->source = std::string(source);
  root->literal = !lexed.has_tags;
  Parser parser(root->source, where, std::move(lexed.tokens));
  std::string end;
  root->body = TRY(parser.ParseBody({}, 0, &end));
  return root;
}

void VisitExprs(const Body& body, std::vector<std::string>& bound, const ExprVisitor& f) {
  for (const auto& n : body) {
    if (n.expr) VisitExpr(*n.expr, bound, n.tag, f);
    for (const auto& b : n.branches) {
      if (b.condition) VisitExpr(*b.condition, bound, b.tag, f);
      VisitExprs(b.body, bound, f);
    }
    size_t mark = bound.size();
    bound.insert(bound.end(), n.loop_vars.begin(), n.loop_vars.end());
    if (n.kind == Node::Kind::kFor) bound.push_back("loop");
    VisitExprs(n.body, bound, f);
    bound.resize(mark);
    VisitExprs(n.else_body, bound, f);
  }
}

}  // namespace weir::jinja
