#include "base/secret_masker.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <set>

#include "base/url.h"

namespace weir {
namespace {

// A piece of a stream holds at most this much while waiting to learn whether it ends in a
// secret; past it (a pathological run of overlapping matches) it is masked as it stands.
constexpr size_t kMaxHeld = size_t{256} * 1024;

constexpr char kHex[] = "0123456789abcdef";

void AppendUnicodeEscape(std::string& out, uint32_t unit) {
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(unit >> shift) & 0xF];
}

// The inside of a JSON string as nlohmann, Python's json.dumps(ensure_ascii=False) and
// JavaScript's JSON.stringify write it.
std::string JsonEscaped(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          AppendUnicodeEscape(out, static_cast<unsigned char>(c));
        } else {
          out += c;
        }
    }
  }
  return out;
}

// The same with every non-ASCII character as \uXXXX (Python's default json.dumps); empty
// when `s` is not UTF-8.
std::string JsonEscapedAscii(std::string_view s) {
  std::string escaped = JsonEscaped(s);
  std::string out;
  for (size_t i = 0; i < escaped.size();) {
    auto c = static_cast<unsigned char>(escaped[i]);
    if (c < 0x80) {
      out += escaped[i++];
      continue;
    }
    size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
    if (n == 0 || i + n > escaped.size()) return {};
    uint32_t cp = c & (0x7F >> n);
    for (size_t k = 1; k < n; ++k) {
      auto cc = static_cast<unsigned char>(escaped[i + k]);
      if ((cc & 0xC0) != 0x80) return {};
      cp = (cp << 6) | (cc & 0x3F);
    }
    i += n;
    if (cp > 0xFFFF) {
      cp -= 0x10000;
      AppendUnicodeEscape(out, 0xD800 + (cp >> 10));
      AppendUnicodeEscape(out, 0xDC00 + (cp & 0x3FF));
    } else {
      AppendUnicodeEscape(out, cp);
    }
  }
  return out;
}

// Inside '...' as Python's repr() and weir's template errors write a string: a backslash
// before \ and ', escapes for \n \r \t, \xNN for other control characters.
std::string ReprEscaped(std::string_view s) {
  std::string out;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '\\' || c == '\'') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7F) {
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    } else {
      out += c;
    }
  }
  return out;
}

// Inside '...' for a POSIX shell: each ' becomes `quote` ('\'' in weir's log headers and
// bash -x, '"'"' from Python's shlex.quote).
std::string ShellSingleQuoted(std::string_view s, std::string_view quote) {
  std::string out;
  for (char c : s) out += c == '\'' ? std::string(quote) : std::string(1, c);
  return out;
}

// Inside "..." for a POSIX shell: \ " $ and ` take a backslash.
std::string ShellDoubleQuoted(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == '"' || c == '$' || c == '`') out += '\\';
    out += c;
  }
  return out;
}

// Unquoted, with a backslash before every character a shell treats specially (bash's
// printf %q; it leaves # and ~ alone inside a word, as here).
std::string ShellBackslashed(std::string_view s) {
  std::string out;
  for (char c : s) {
    bool plain = std::isalnum(static_cast<unsigned char>(c)) || std::strchr("_-./:=,@%+#~", c);
    if (!plain || c == '\0') out += '\\';
    out += c;
  }
  return out;
}

// What a secret's value can show up as by itself: the value, and for a JSON object or array
// its compact text and each scalar leaf (a JSON string: its content).
std::vector<std::string> Atoms(const std::string& secret) {
  std::vector<std::string> atoms{secret};
  std::string_view trimmed = secret;
  while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.front()))) {
    trimmed.remove_prefix(1);
  }
  if (trimmed.empty() || std::strchr("{[\"", trimmed.front()) == nullptr) return atoms;
  auto parsed = ParseJson(secret, "a secret");
  if (!parsed) return atoms;
  if (!parsed->is_string()) atoms.push_back(parsed->dump());
  std::vector<const Json*> todo{&*parsed};
  while (!todo.empty()) {
    const Json* j = todo.back();
    todo.pop_back();
    if (j->is_string()) {
      atoms.push_back(j->get<std::string>());
    } else if (j->is_number()) {
      atoms.push_back(j->dump());
    } else if (j->is_structured()) {
      for (const Json& v : *j) todo.push_back(&v);
    }
  }
  return atoms;
}

}  // namespace

Status CheckSecretValue(std::string_view value) {
  if (value.size() >= SecretMasker::kMinSecretLength) return {};
  return Err(ErrorCode::kInvalidArgument,
             "a secret must be at least {} characters long, got {}: a shorter value cannot be "
             "hidden in logs without hiding every occurrence of those characters",
             SecretMasker::kMinSecretLength, value.size());
}

std::vector<std::string> EncodedForms(std::string_view secret) {
  std::vector<std::string> forms{std::string(secret)};
  for (std::string form : {JsonEscaped(secret), JsonEscapedAscii(secret), ReprEscaped(secret),
                           ShellSingleQuoted(secret, "'\\''"), ShellSingleQuoted(secret, "'\"'\"'"),
                           ShellDoubleQuoted(secret), ShellBackslashed(secret),
                           PercentEncode(secret), PercentEncode(secret, {.plus_for_space = true}),
                           PercentEncode(secret, {.keep_slash = true})}) {
    if (!form.empty() && std::find(forms.begin(), forms.end(), form) == forms.end()) {
      forms.push_back(std::move(form));
    }
  }
  return forms;
}

SecretMasker::SecretMasker(const std::vector<std::string>& secrets) {
  std::set<std::string> unique;
  for (const std::string& secret : secrets) {
    for (const std::string& atom : Atoms(secret)) {
      if (atom.size() < kMinSecretLength) continue;
      // Two encodings deep: a JSON text printed by Python's repr(), a quoted argument put
      // into JSON, are common.
      for (const std::string& form : EncodedForms(atom)) {
        for (std::string& twice : EncodedForms(form)) unique.insert(std::move(twice));
      }
    }
  }
  patterns_.assign(unique.begin(), unique.end());
  Index();
}

SecretMasker SecretMasker::FromPatterns(const std::vector<std::string>& patterns) {
  SecretMasker masker;
  std::set<std::string> unique;
  for (const std::string& p : patterns) {
    if (p.size() >= kMinSecretLength) unique.insert(p);
  }
  masker.patterns_.assign(unique.begin(), unique.end());
  masker.Index();
  return masker;
}

void SecretMasker::Index() {
  std::stable_sort(patterns_.begin(), patterns_.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  for (size_t i = 0; i < patterns_.size(); ++i) {
    auto first = static_cast<unsigned char>(patterns_[i][0]);
    first_bytes_[first / 64] |= uint64_t{1} << (first % 64);
    by_prefix_[PrefixOf(patterns_[i].data())].push_back(static_cast<int>(i));
    longest_ = std::max(longest_, patterns_[i].size());
  }
}

uint32_t SecretMasker::PrefixOf(const char* at) {
  uint32_t prefix;
  std::memcpy(&prefix, at, sizeof prefix);
  return prefix;
}

std::vector<SecretMasker::Span> SecretMasker::Find(std::string_view text) const {
  std::vector<Span> spans;
  if (patterns_.empty() || text.size() < kPrefix) return spans;
  for (size_t i = 0; i + kPrefix <= text.size(); ++i) {
    auto first = static_cast<unsigned char>(text[i]);
    if ((first_bytes_[first / 64] & (uint64_t{1} << (first % 64))) == 0) continue;
    auto candidates = by_prefix_.find(PrefixOf(text.data() + i));
    if (candidates == by_prefix_.end()) continue;
    // Patterns are longest first: the first that matches at i covers the most.
    for (int k : candidates->second) {
      const std::string& p = patterns_[k];
      if (p.size() > text.size() - i || std::memcmp(text.data() + i, p.data(), p.size()) != 0) {
        continue;
      }
      if (!spans.empty() && i < spans.back().end) {
        spans.back().end = std::max(spans.back().end, i + p.size());
      } else {
        spans.push_back({i, i + p.size()});
      }
      break;
    }
  }
  return spans;
}

size_t SecretMasker::PossibleStartAtEnd(std::string_view text) const {
  size_t best = 0;
  for (const std::string& p : patterns_) {
    size_t reach = std::min(p.size() - 1, text.size());
    // From the farthest start: the first that fits is the longest for this pattern.
    for (size_t j = text.size() - reach; text.size() - j > best; ++j) {
      if (text[j] == p[0] && std::memcmp(text.data() + j, p.data(), text.size() - j) == 0) {
        best = text.size() - j;
        break;
      }
    }
  }
  return best;
}

SecretMasker::Range SecretMasker::MaskRange(std::string_view window, size_t from, size_t to,
                                            bool complete) const {
  if (patterns_.empty()) return Range{std::string(window.substr(from, to - from)), to};
  std::vector<Span> spans = Find(window);
  size_t end = to;
  bool held = false;
  if (!complete) {
    size_t limit = window.size() - PossibleStartAtEnd(window);
    if (limit < end) {
      end = limit;
      held = true;
    }
  }
  // Never stop inside a secret: take it whole, or (still being written) leave it whole.
  for (const Span& s : spans) {
    if (s.begin < end && end < s.end) end = held ? s.begin : s.end;
  }
  end = std::max(end, from);

  Range out;
  out.end = end;
  size_t pos = from;
  for (const Span& s : spans) {
    if (s.end <= from || s.begin >= end) continue;
    if (s.begin > pos) out.text.append(window.substr(pos, s.begin - pos));
    out.text += kMask;
    pos = std::min(s.end, end);
  }
  if (pos < end) out.text.append(window.substr(pos, end - pos));
  return out;
}

std::string SecretMasker::Mask(std::string_view text) const {
  return MaskRange(text, 0, text.size(), true).text;
}

void SecretMasker::MaskJson(Json& value) const {
  if (patterns_.empty()) return;
  if (value.is_string()) {
    auto& s = value.get_ref<std::string&>();
    if (!Find(s).empty()) s = Mask(s);
  } else if (value.is_array()) {
    for (Json& v : value) MaskJson(v);
  } else if (value.is_object()) {
    bool keys = false;
    for (auto it = value.begin(); it != value.end(); ++it) {
      MaskJson(it.value());
      keys = keys || !Find(it.key()).empty();
    }
    if (!keys) return;
    Json masked = Json::object();
    for (auto it = value.begin(); it != value.end(); ++it) {
      masked[Mask(it.key())] = std::move(it.value());
    }
    value = std::move(masked);
  }
}

std::string MaskingStream::Feed(const SecretMasker& masker, std::string_view piece) {
  if (masker.empty() && held_.empty()) return std::string(piece);
  held_.append(piece);
  SecretMasker::Range r = masker.MaskRange(held_, 0, held_.size(), false);
  if (held_.size() - r.end > kMaxHeld) r = masker.MaskRange(held_, 0, held_.size(), true);
  held_.erase(0, r.end);
  return std::move(r.text);
}

std::string MaskingStream::Finish(const SecretMasker& masker) {
  std::string out = masker.Mask(held_);
  held_.clear();
  return out;
}

}  // namespace weir
