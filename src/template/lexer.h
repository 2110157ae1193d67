#pragma once

// Splits a template into text and tag tokens (internal to src/template). Whitespace
// control (`{{-`, `-%}`, ...), comments and `{% raw %}` are resolved here, so the parser sees
// only text, tag delimiters and expression tokens.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace weir::jinja {

enum class TokenKind {
  kText,
  kVarBegin,    // {{
  kVarEnd,      // }}
  kBlockBegin,  // {%
  kBlockEnd,    // %}
  kName,
  kString,  // text holds the unescaped value
  kInt,
  kFloat,
  kOp,  // punctuation and operators: ( ) [ ] . , | ~ + - * / // % ** == != < <= > >= = :
  kEof,
};

struct Token {
  TokenKind kind = TokenKind::kEof;
  std::string text;
  uint32_t offset = 0;  // where the token starts in the source
};

struct LexResult {
  std::vector<Token> tokens;  // ends with kEof
  bool has_tags = false;
};

// Tokenizes; a syntax error is reported as "<where>: <problem> at line L, column C".
Result<LexResult> Tokenize(std::string_view source, std::string_view where);

// "line 2, column 7" for an offset into source.
std::string PositionText(std::string_view source, size_t offset);

}  // namespace weir::jinja
