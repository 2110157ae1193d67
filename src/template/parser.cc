// The statement level of templates: text, {{ output }}, {% if %} and {% for %} blocks.

#include <algorithm>

#include "base/strings.h"
#include "template/ast.h"
#include "template/expr_parser.h"
#include "template/lexer.h"

namespace weir::jinja {

namespace {

class TemplateParser : public ExprParser {
 public:
  using ExprParser::ExprParser;

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
          block_begin_ = static_cast<uint32_t>(tag_begin);
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
      tag.begin = block_begin_;
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

  uint32_t block_begin_ = 0;  // offset of the last `{%` whose keyword ended a body
};

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
  TemplateParser parser(root->source, where, std::move(lexed.tokens));
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
