#include "template/lexer.h"

#include <cctype>

namespace weir::jinja {

namespace {

bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }
bool IsNameStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool IsDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

class Lexer {
 public:
  Lexer(std::string_view src, std::string_view where) : src_(src), where_(where) {}

  Result<LexResult> Run() {
    size_t pos = 0;
    while (true) {
      size_t open = src_.find('{', pos);
      while (open != std::string_view::npos && open + 1 < src_.size() && src_[open + 1] != '{' &&
             src_[open + 1] != '%' && src_[open + 1] != '#') {
        open = src_.find('{', open + 1);
      }
      if (open == std::string_view::npos || open + 1 >= src_.size()) {
        EmitText(src_.substr(pos), false);
        break;
      }
      bool strip_before = open + 2 < src_.size() && src_[open + 2] == '-';
      EmitText(src_.substr(pos, open - pos), strip_before);
      out_.has_tags = true;
      size_t body = open + 2 + (strip_before ? 1 : 0);
      char kind = src_[open + 1];
      if (kind == '#') {
        size_t close = src_.find("#}", body);
        if (close == std::string_view::npos) return SyntaxError(open, "unclosed comment '{#'");
        lstrip_next_ = close > body && src_[close - 1] == '-';
        pos = close + 2;
        continue;
      }
      if (kind == '%' && IsRawTag(body)) {
        pos = TRY(LexRaw(open, body));
        continue;
      }
      bool is_var = kind == '{';
      Push(is_var ? TokenKind::kVarBegin : TokenKind::kBlockBegin, "", open);
      pos = TRY(LexTag(body, is_var));
    }
    Push(TokenKind::kEof, "", static_cast<uint32_t>(src_.size()));
    return std::move(out_);
  }

 private:
  void Push(TokenKind kind, std::string text, size_t offset) {
    out_.tokens.push_back(Token{kind, std::move(text), static_cast<uint32_t>(offset)});
  }

  void EmitText(std::string_view text, bool rstrip) {
    if (lstrip_next_) {
      while (!text.empty() && IsSpace(text.front())) text.remove_prefix(1);
      lstrip_next_ = false;
    }
    if (rstrip) {
      while (!text.empty() && IsSpace(text.back())) text.remove_suffix(1);
    }
    if (text.empty()) return;
    size_t offset = static_cast<size_t>(text.data() - src_.data());
    if (!out_.tokens.empty() && out_.tokens.back().kind == TokenKind::kText) {
      out_.tokens.back().text += text;
    } else {
      Push(TokenKind::kText, std::string(text), offset);
    }
  }

  std::unexpected<weir::Error> SyntaxError(size_t offset, std::string_view problem) {
    return Err(ErrorCode::kInvalidArgument, "{}: template syntax error at {}: {}", where_,
               PositionText(src_, offset), problem);
  }

  // Matches `\s*<word>\s*-?%}` at pos; returns the offset after `%}` or npos.
  size_t MatchBlockWord(size_t pos, std::string_view word, bool* strip_after) const {
    while (pos < src_.size() && IsSpace(src_[pos])) ++pos;
    if (src_.substr(pos, word.size()) != word) return std::string_view::npos;
    pos += word.size();
    if (pos < src_.size() && IsNameChar(src_[pos])) return std::string_view::npos;
    while (pos < src_.size() && IsSpace(src_[pos])) ++pos;
    *strip_after = pos < src_.size() && src_[pos] == '-';
    if (*strip_after) ++pos;
    if (src_.substr(pos, 2) != "%}") return std::string_view::npos;
    return pos + 2;
  }

  bool IsRawTag(size_t body) const {
    bool ignored = false;
    return MatchBlockWord(body, "raw", &ignored) != std::string_view::npos;
  }

  Result<size_t> LexRaw(size_t open, size_t body) {
    bool strip_after = false;
    size_t content = MatchBlockWord(body, "raw", &strip_after);
    for (size_t at = src_.find("{%", content); at != std::string_view::npos;
         at = src_.find("{%", at + 2)) {
      bool strip_before = at + 2 < src_.size() && src_[at + 2] == '-';
      bool strip_next = false;
      size_t end = MatchBlockWord(at + 2 + (strip_before ? 1 : 0), "endraw", &strip_next);
      if (end == std::string_view::npos) continue;
      lstrip_next_ = strip_after;
      EmitText(src_.substr(content, at - content), strip_before);
      lstrip_next_ = strip_next;
      return end;
    }
    return SyntaxError(open, "'{% raw %}' without '{% endraw %}'");
  }

  // Lexes expression tokens up to the closing `}}` / `%}`; returns the offset after it.
  Result<size_t> LexTag(size_t pos, bool is_var) {
    std::string_view close = is_var ? "}}" : "%}";
    size_t start = pos;
    while (true) {
      while (pos < src_.size() && IsSpace(src_[pos])) ++pos;
      if (pos >= src_.size()) {
        return SyntaxError(
            start - 2, fmt::format("'{}' is never closed with '{}'", is_var ? "{{" : "{%", close));
      }
      char c = src_[pos];
      if (c == '-' && src_.substr(pos + 1, 2) == close) {
        lstrip_next_ = true;
        Push(is_var ? TokenKind::kVarEnd : TokenKind::kBlockEnd, "", pos);
        return pos + 3;
      }
      if (src_.substr(pos, 2) == close) {
        Push(is_var ? TokenKind::kVarEnd : TokenKind::kBlockEnd, "", pos);
        return pos + 2;
      }
      if (IsNameStart(c)) {
        size_t end = pos;
        while (end < src_.size() && IsNameChar(src_[end])) ++end;
        Push(TokenKind::kName, std::string(src_.substr(pos, end - pos)), pos);
        pos = end;
      } else if (IsDigit(c)) {
        size_t end = pos;
        bool is_float = false;
        while (end < src_.size() && (IsDigit(src_[end]) || src_[end] == '_')) ++end;
        if (end + 1 < src_.size() && src_[end] == '.' && IsDigit(src_[end + 1])) {
          is_float = true;
          ++end;
          while (end < src_.size() && IsDigit(src_[end])) ++end;
        }
        if (end < src_.size() && (src_[end] == 'e' || src_[end] == 'E')) {
          size_t e = end + 1;
          if (e < src_.size() && (src_[e] == '+' || src_[e] == '-')) ++e;
          if (e < src_.size() && IsDigit(src_[e])) {
            is_float = true;
            end = e;
            while (end < src_.size() && IsDigit(src_[end])) ++end;
          }
        }
        std::string text;
        for (char d : src_.substr(pos, end - pos)) {
          if (d != '_') text += d;
        }
        Push(is_float ? TokenKind::kFloat : TokenKind::kInt, std::move(text), pos);
        pos = end;
      } else if (c == '\'' || c == '"') {
        pos = TRY(LexString(pos));
      } else {
        static constexpr std::string_view kTwo[] = {"//", "**", "==", "!=", "<=", ">="};
        std::string_view op;
        for (auto two : kTwo) {
          if (src_.substr(pos, 2) == two) op = two;
        }
        if (op.empty()) {
          if (std::string_view("()[].,|~+-*/%<>=:{}").find(c) == std::string_view::npos) {
            return SyntaxError(pos, fmt::format("unexpected character '{}'", c));
          }
          op = src_.substr(pos, 1);
        }
        Push(TokenKind::kOp, std::string(op), pos);
        pos += op.size();
      }
    }
  }

  Result<size_t> LexString(size_t pos) {
    char quote = src_[pos];
    std::string value;
    for (size_t i = pos + 1; i < src_.size(); ++i) {
      char c = src_[i];
      if (c == quote) {
        Push(TokenKind::kString, std::move(value), pos);
        return i + 1;
      }
      if (c == '\\' && i + 1 < src_.size()) {
        char e = src_[++i];
        switch (e) {
          case 'n':
            value += '\n';
            break;
          case 't':
            value += '\t';
            break;
          case 'r':
            value += '\r';
            break;
          case '\\':
          case '\'':
          case '"':
            value += e;
            break;
          default:
            value += '\\';
            value += e;
        }
        continue;
      }
      value += c;
    }
    return SyntaxError(pos, "unterminated string");
  }

  std::string_view src_;
  std::string_view where_;
  LexResult out_;
  bool lstrip_next_ = false;
};

}  // namespace

std::string PositionText(std::string_view source, size_t offset) {
  size_t line = 1, column = 1;
  for (size_t i = 0; i < offset && i < source.size(); ++i) {
    if (source[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return fmt::format("line {}, column {}", line, column);
}

Result<LexResult> Tokenize(std::string_view source, std::string_view where) {
  return Lexer(source, where).Run();
}

}  // namespace weir::jinja
