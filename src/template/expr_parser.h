#pragma once

// Recursive-descent parser of template expressions over lexer tokens (internal to
// src/template). The statement parser (parser.cc) extends it.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "template/ast.h"
#include "template/lexer.h"

namespace weir::jinja {

class ExprParser {
 public:
  ExprParser(std::string_view src, std::string_view where, std::vector<Token> tokens)
      : src_(src), where_(where), tokens_(std::move(tokens)) {}

  // Parses one expression (Jinja's precedence: `x if c else y`, or, and, not, comparisons,
  // + -, ~, * / // %, **, unary minus, then postfix . [] () and filters/tests).
  Result<std::unique_ptr<Expr>> ParseExpr();

 protected:
  const Token& Peek() const { return tokens_[i_]; }
  const Token& Next() { return tokens_[i_ < tokens_.size() - 1 ? i_++ : i_]; }
  const Token& PeekAt(size_t ahead) const {
    return tokens_[std::min(i_ + ahead, tokens_.size() - 1)];
  }
  size_t position() const { return i_; }
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
  Result<void> ExpectOp(std::string_view op);
  // Consumes the closing delimiter (`}}` or `%}`); returns the offset just after it.
  Result<uint32_t> ExpectEnd(TokenKind kind, std::string_view text);
  // "<where>: template syntax error at line L, column C: expected X, got Y".
  std::unexpected<weir::Error> Unexpected(std::string_view expected) const;
  std::unexpected<weir::Error> SyntaxError(size_t offset, std::string_view problem) const;

 private:
  using ExprPtr = std::unique_ptr<Expr>;

  Result<ExprPtr> ParseOr();
  Result<ExprPtr> ParseAnd();
  Result<ExprPtr> ParseNot();
  Result<ExprPtr> ParseCompare();
  Result<ExprPtr> ParseBinary(int level);
  Result<ExprPtr> ParseUnary(bool with_filters);
  Result<ExprPtr> ParsePrimary();
  Result<ExprPtr> ParsePostfix(ExprPtr e, size_t start);
  Result<ExprPtr> ParseFilters(ExprPtr e, size_t start);
  Result<void> ParseArgs(Expr& call);

  // The source span from token `start` up to the current token, without trailing spaces.
  Span SpanFrom(size_t start) const;
  ExprPtr Make(Expr::Kind kind, size_t start, ExprPtr a = nullptr, ExprPtr b = nullptr,
               ExprPtr c = nullptr);
  ExprPtr MakeBinary(BinaryOp op, size_t start, ExprPtr a, ExprPtr b);
  std::string Describe(const Token& t) const;

 protected:
  std::string_view src_;
  std::string_view where_;

 private:
  std::vector<Token> tokens_;
  size_t i_ = 0;
};

}  // namespace weir::jinja
