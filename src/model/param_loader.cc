// ReadParams (declared in task_loader.h): the DAG's `params` map, long and short form.

#include <algorithm>

#include "base/strings.h"
#include "model/task_loader.h"

namespace weir {

namespace {

const std::vector<std::string>& ParamKeys() {
  // minLength and maxLength are JSON Schema's (and Airflow's Param's) spelling.
  static const std::vector<std::string> kKeys = {
      "type",       "default",    "enum",      "description", "minimum", "maximum",
      "min_length", "max_length", "minLength", "maxLength",   "pattern"};
  return kKeys;
}

const std::vector<std::string>& ParamTypes() {
  static const std::vector<std::string> kTypes = {"string",  "integer", "number",
                                                  "boolean", "array",   "object"};
  return kTypes;
}

std::string JsonType(const Json& v) {
  if (v.is_boolean()) return "boolean";
  if (v.is_number_integer()) return "integer";
  if (v.is_number()) return "number";
  if (v.is_array()) return "array";
  if (v.is_object()) return "object";
  return "string";
}

bool MatchesType(const Json& v, std::string_view type) {
  if (type == "number") return v.is_number();
  return JsonType(v) == type && (type != "string" || v.is_string());
}

// A value for a param of `type`: scalars are text where text is expected.
Json ParamValue(YamlNode node, std::string_view type) {
  if (type == "string" && node.IsScalar()) return node.Scalar();
  return YamlReader::ToJson(node);
}

Result<double> ReadBound(const YamlReader& reader, const YamlEntry& e, const std::string& param) {
  Json v = YamlReader::ToJson(e.value);
  if (!v.is_number()) {
    return reader.ErrorAt(e.value, "'{}' of param '{}' must be a number", e.key, param);
  }
  return v.get<double>();
}

Result<int64_t> ReadLength(const YamlReader& reader, const YamlEntry& e, const std::string& param) {
  Json v = YamlReader::ToJson(e.value);
  if (!v.is_number_integer() || v.get<int64_t>() < 0) {
    return reader.ErrorAt(e.value, "'{}' of param '{}' must be a whole number, 0 or more", e.key,
                          param);
  }
  return v.get<int64_t>();
}

// min_length, max_length and pattern: rules for text, so only for string params.
Status ReadStringRules(const YamlReader& reader, const YamlMap& map, ParamSpec& p) {
  for (const auto& e : map.entries) {
    bool min = e.key == "min_length" || e.key == "minLength";
    bool max = e.key == "max_length" || e.key == "maxLength";
    if (!min && !max && e.key != "pattern") continue;
    if (p.type != "string") {
      return reader.ErrorAt(e.key_node, "'{}' of param '{}' applies to strings, not to type {}",
                            e.key, p.name, p.type);
    }
    if (min) p.min_length = TRY(ReadLength(reader, e, p.name));
    if (max) p.max_length = TRY(ReadLength(reader, e, p.name));
    if (e.key != "pattern") continue;
    p.pattern = TRY(reader.Text(e));
    Status valid = CheckParamPattern(p.pattern);
    if (!valid) {
      return reader.ErrorAt(e.value, "pattern of param '{}' is not a valid regular expression: {}",
                            p.name, valid.error().message);
    }
  }
  return {};
}

Result<ParamSpec> ReadLongForm(const YamlReader& reader, const YamlEntry& entry) {
  const std::string& name = entry.key;
  YamlMap map = TRY(reader.Map(entry.value, fmt::format("param '{}'", name)));
  TRY(reader.CheckKeys(map, ParamKeys(), fmt::format("in param '{}'", name)));
  ParamSpec p;
  p.name = name;
  const YamlEntry* type = map.Find("type");
  const YamlEntry* def = map.Find("default");
  if (type != nullptr) {
    p.type = TRY(reader.Text(*type));
    if (std::find(ParamTypes().begin(), ParamTypes().end(), p.type) == ParamTypes().end()) {
      return reader.ErrorAt(type->value, "unknown type '{}' for param '{}'{}; use one of {}",
                            p.type, name, DidYouMean(p.type, ParamTypes()),
                            Join(ParamTypes(), ", "));
    }
  } else if (def != nullptr && !IsNullNode(def->value)) {
    p.type = JsonType(YamlReader::ToJson(def->value));
  }
  if (const YamlEntry* d = map.Find("description")) p.description = TRY(reader.Text(*d));
  if (const YamlEntry* e = map.Find("minimum")) p.minimum = TRY(ReadBound(reader, *e, name));
  if (const YamlEntry* e = map.Find("maximum")) p.maximum = TRY(ReadBound(reader, *e, name));
  TRY(ReadStringRules(reader, map, p));
  if (const YamlEntry* e = map.Find("enum")) {
    if (!e->value.IsList()) {
      return reader.ErrorAt(e->value, "'enum' of param '{}' must be a list of allowed values",
                            name);
    }
    for (YamlNode item : e->value) {
      Json v = ParamValue(item, p.type);
      if (!MatchesType(v, p.type)) {
        return reader.ErrorAt(item, "enum value {} of param '{}' is not of type {}", v.dump(), name,
                              p.type);
      }
      p.enum_values.push_back(std::move(v));
    }
  }
  if (def == nullptr) return p;  // required: must be given in the run's conf

  p.has_default = true;
  p.default_value = IsNullNode(def->value) ? Json(nullptr) : ParamValue(def->value, p.type);
  const Json& v = p.default_value;
  if (v.is_null()) return p;
  if (!MatchesType(v, p.type)) {
    return reader.ErrorAt(def->value, "default {} of param '{}' is not of type {}", v.dump(), name,
                          p.type);
  }
  if (!p.enum_values.empty() &&
      std::find(p.enum_values.begin(), p.enum_values.end(), v) == p.enum_values.end()) {
    std::vector<std::string> allowed;
    allowed.reserve(p.enum_values.size());
    for (const auto& a : p.enum_values) allowed.push_back(a.dump());
    return reader.ErrorAt(def->value, "default {} of param '{}' is not in its enum: {}", v.dump(),
                          name, Join(allowed, ", "));
  }
  // The other rules (bounds, lengths, pattern) as a value given at trigger time meets them.
  std::string rule = BrokenParamRule(p, v);
  if (!rule.empty()) {
    return reader.ErrorAt(def->value, "default {} of param '{}' breaks its rules: it {}", v.dump(),
                          name, rule);
  }
  return p;
}

// A map value is a long-form spec when it uses any spec key; otherwise it is an object default.
bool IsLongForm(YamlNode value) {
  if (!value.IsMap()) return false;
  for (size_t i = 0; i < value.size(); ++i) {
    const std::string& key = value.Key(i).Scalar();
    if (std::find(ParamKeys().begin(), ParamKeys().end(), key) != ParamKeys().end()) return true;
  }
  return false;
}

}  // namespace

Result<std::vector<ParamSpec>> ReadParams(const YamlReader& reader, const YamlEntry* params) {
  std::vector<ParamSpec> out;
  if (params == nullptr || IsNullNode(params->value)) return out;
  YamlMap map = TRY(reader.Map(params->value, "params"));
  for (const auto& e : map.entries) {
    if (e.key.empty()) return reader.ErrorAt(e.key_node, "a param needs a name");
    if (IsLongForm(e.value)) {
      out.push_back(TRY(ReadLongForm(reader, e)));
      continue;
    }
    ParamSpec p;
    p.name = e.key;
    p.has_default = true;
    p.default_value = YamlReader::ToJson(e.value);
    p.type = JsonType(p.default_value);
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace weir
