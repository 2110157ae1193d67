#include "model/yaml_reader.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "base/strings.h"

namespace weir {

namespace {

std::optional<int64_t> ParseInt(std::string_view s) {
  int base = 10;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o')) {
    base = s[1] == 'x' ? 16 : 8;
    s.remove_prefix(2);
  }
  if (s.empty()) return std::nullopt;
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return negative ? -v : v;
}

// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?, matched by hand: std::regex recurses
// once per character and overflows the stack on a long scalar (50,000 digits crashed weir).
bool LooksLikeFloat(std::string_view s) {
  size_t i = 0;
  auto digits = [&] {
    size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i - start;
  };
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  size_t whole = digits();
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (digits() == 0 && whole == 0) return false;
  } else if (whole == 0) {
    return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    if (digits() == 0) return false;
  }
  return i == s.size();
}

std::optional<double> ParseFloat(const std::string& s) {
  if (s == ".inf" || s == ".Inf" || s == ".INF" || s == "+.inf") {
    return std::numeric_limits<double>::infinity();
  }
  if (s == "-.inf" || s == "-.Inf" || s == "-.INF") return -std::numeric_limits<double>::infinity();
  if (s == ".nan" || s == ".NaN" || s == ".NAN") return std::nan("");
  if (!LooksLikeFloat(s)) return std::nullopt;
  // from_chars, not stod: a value out of double's range (1e400) is text, not an exception.
  std::string_view digits = s;
  if (digits.starts_with('+')) digits.remove_prefix(1);
  double v = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return v;
}

std::optional<bool> ParseBool(std::string_view s) {
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  return std::nullopt;
}

}  // namespace

bool IsNullNode(YamlNode node) { return node.IsNull(); }

std::string_view Describe(YamlNode node) {
  if (IsNullNode(node)) return "null";
  if (node.IsList()) return "a list";
  if (node.IsMap()) return "a map";
  return "a scalar";
}

const YamlEntry* YamlMap::Find(std::string_view key) const {
  for (const auto& e : entries) {
    if (e.key == key) return &e;
  }
  return nullptr;
}

std::vector<std::string> YamlMap::Keys() const {
  std::vector<std::string> keys;
  keys.reserve(entries.size());
  for (const auto& e : entries) keys.push_back(e.key);
  return keys;
}

std::string YamlReader::Where(YamlNode node) const { return Where(Pos(node)); }

std::string YamlReader::Where(SourcePos pos) const {
  return fmt::format("{}:{}:{}", file_, pos.line, pos.column);
}

std::unexpected<Error> YamlReader::WrapAt(YamlNode node, const Error& error,
                                          std::string_view context) const {
  std::string message = Where(node) + ": ";
  if (!context.empty()) message += std::string(context) + ": ";
  return MakeError(error.code, message + error.message);
}

Result<YamlMap> YamlReader::Map(YamlNode node, std::string_view what) const {
  if (!node.IsMap()) {
    return ErrorAt(node, "{} must be a map of `key: value` lines, got {}", what, Describe(node));
  }
  YamlMap map{node, {}};
  // key -> index in entries: linear in the map's size, not quadratic, for maps of any size.
  std::unordered_map<std::string, size_t> seen;
  std::vector<YamlNode> merges;
  map.entries.reserve(node.size());
  for (size_t i = 0; i < node.size(); ++i) {
    YamlNode key_node = node.Key(i);
    if (!key_node.IsScalar()) return ErrorAt(key_node, "keys in {} must be plain words", what);
    const std::string& key = key_node.Scalar();
    if (key == "<<") {
      merges.push_back(node.Value(i));
      continue;
    }
    if (auto first = seen.find(key); first != seen.end()) {
      return ErrorAt(key_node, "duplicate key '{}' in {} (first at line {})", key, what,
                     Pos(map.entries[first->second].key_node).line);
    }
    seen.emplace(key, map.entries.size());
    map.entries.push_back(YamlEntry{key, key_node, node.Value(i)});
  }
  // `<<: *anchor` or `<<: [*a, *b]`: YAML merge keys, which the parser leaves to the reader.
  for (YamlNode merge : merges) {
    std::vector<YamlNode> sources;
    if (merge.IsList()) {
      for (YamlNode m : merge) sources.push_back(m);
    } else {
      sources.push_back(merge);
    }
    for (YamlNode source : sources) {
      TRY(Map(source, "a merged map (`<<:`)"));
      for (size_t i = 0; i < source.size(); ++i) {
        YamlNode key_node = source.Key(i);
        if (seen.emplace(key_node.Scalar(), map.entries.size()).second) {
          map.entries.push_back(YamlEntry{key_node.Scalar(), key_node, source.Value(i)});
        }
      }
    }
  }
  return map;
}

Status YamlReader::CheckKeys(const YamlMap& map, const std::vector<std::string>& valid,
                             std::string_view where) const {
  for (const auto& e : map.entries) {
    if (std::find(valid.begin(), valid.end(), e.key) != valid.end()) continue;
    std::string hint = DidYouMean(e.key, valid);
    if (hint.empty()) {
      std::vector<std::string> sorted = valid;
      std::sort(sorted.begin(), sorted.end());
      hint = "; valid keys: " + Join(sorted, ", ");
    }
    return ErrorAt(e.key_node, "unknown key '{}' {}{}", e.key, where, hint);
  }
  return {};
}

Result<std::string> YamlReader::Text(const YamlEntry& e) const {
  if (!e.value.IsScalar()) {
    return ErrorAt(e.value, "'{}' must be a string, got {}", e.key, Describe(e.value));
  }
  return e.value.Scalar();
}

Result<int64_t> YamlReader::Integer(const YamlEntry& e) const {
  if (e.value.IsScalar()) {
    if (auto v = ParseInt(e.value.Scalar())) return *v;
  }
  return ErrorAt(e.value, "'{}' must be a whole number, got {}", e.key,
                 e.value.IsScalar() ? "'" + e.value.Scalar() + "'" : Describe(e.value));
}

Result<bool> YamlReader::Bool(const YamlEntry& e) const {
  if (e.value.IsScalar()) {
    if (auto v = ParseBool(e.value.Scalar())) return *v;
  }
  return ErrorAt(e.value, "'{}' must be true or false, got {}", e.key,
                 e.value.IsScalar() ? "'" + e.value.Scalar() + "'" : Describe(e.value));
}

Result<Duration> YamlReader::Dur(const YamlEntry& e) const {
  if (!e.value.IsScalar()) {
    return ErrorAt(e.value, "'{}' must be a duration such as 30s, 5m or 1h, got {}", e.key,
                   Describe(e.value));
  }
  auto d = ParseDuration(e.value.Scalar());
  if (!d) return WrapAt(e.value, d.error(), fmt::format("'{}'", e.key));
  if (d->count() < 0) return ErrorAt(e.value, "'{}' must not be negative", e.key);
  return *d;
}

Result<std::vector<std::string>> YamlReader::TextList(const YamlEntry& e) const {
  if (e.value.IsScalar()) return std::vector<std::string>{e.value.Scalar()};
  if (IsNullNode(e.value)) return std::vector<std::string>{};
  if (!e.value.IsList()) {
    return ErrorAt(e.value, "'{}' must be a list of strings, got {}", e.key, Describe(e.value));
  }
  std::vector<std::string> out;
  for (YamlNode item : e.value) {
    if (!item.IsScalar()) {
      return ErrorAt(item, "items of '{}' must be strings, got {}", e.key, Describe(item));
    }
    out.push_back(item.Scalar());
  }
  return out;
}

Json YamlReader::ToJson(YamlNode node) {
  if (IsNullNode(node)) return nullptr;
  if (node.IsList()) {
    Json out = Json::array();
    for (YamlNode item : node) out.push_back(ToJson(item));
    return out;
  }
  if (node.IsMap()) {
    Json out = Json::object();
    for (size_t i = 0; i < node.size(); ++i) out[node.Key(i).Scalar()] = ToJson(node.Value(i));
    return out;
  }
  const std::string& s = node.Scalar();
  if (!node.IsPlain()) return s;
  if (auto b = ParseBool(s)) return *b;
  if (auto i = ParseInt(s)) return *i;
  if (auto f = ParseFloat(s)) return *f;
  return s;
}

}  // namespace weir
