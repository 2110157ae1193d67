#include "transfer/spec.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>

#include "base/strings.h"
#include "lake/object_store.h"
#include "transfer/lists.h"

namespace weir {

namespace {

constexpr size_t kMaxPrefixes = 1000;
constexpr size_t kMaxPrefixBytes = 1024;

const std::vector<std::string> kConditionFields = {
    "include_prefixes",
    "exclude_prefixes",
    "min_time_elapsed_since_last_modification",
    "max_time_elapsed_since_last_modification",
    "last_modified_since",
    "last_modified_before",
};
const std::vector<std::string> kOptionFields = {
    "overwrite_when",
    "overwrite_objects_already_existing_in_sink",
    "delete_objects_unique_in_sink",
    "delete_objects_from_source_after_transfer",
};
const std::vector<std::string> kOtherFields = {
    "source",  "url_list",    "sink",        "source_conn_id",  "sink_conn_id", "manifest",
    "dry_run", "max_deletes", "parallelism", "bandwidth_limit", "max_failures",
};

}  // namespace

std::string SnakeCase(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (std::isupper(static_cast<unsigned char>(c))) {
      out += '_';
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      out += c;
    }
  }
  return out;
}

namespace {

template <class... Args>
std::unexpected<Error> Invalid(fmt::format_string<Args...> format, Args&&... args) {
  return MakeError(ErrorCode::kInvalidArgument,
                   "transfer: " + fmt::format(format, std::forward<Args>(args)...));
}

// The fields of `json`, flattened: object_conditions and transfer_options may be nested.
Result<std::map<std::string, Json>> Flatten(const Json& json) {
  if (!json.is_object()) return Invalid("the spec must be an object of fields");
  std::vector<std::string> known = TransferSpecFields();
  known.emplace_back("object_conditions");
  known.emplace_back("transfer_options");
  std::map<std::string, Json> out;
  for (const auto& [raw, value] : json.items()) {
    std::string name = SnakeCase(raw);
    if (name == "object_conditions" || name == "transfer_options") {
      if (value.is_null()) continue;
      if (!value.is_object()) return Invalid("{} must be an object of fields", name);
      const auto& allowed = name == "object_conditions" ? kConditionFields : kOptionFields;
      for (const auto& [inner_raw, inner] : value.items()) {
        std::string inner_name = SnakeCase(inner_raw);
        if (std::ranges::find(allowed, inner_name) == allowed.end()) {
          return Invalid("{} has no field '{}'{}", name, inner_raw,
                         DidYouMean(inner_name, allowed));
        }
        if (out.contains(inner_name)) return Invalid("{} is given twice", inner_name);
        out[inner_name] = inner;
      }
      continue;
    }
    if (std::ranges::find(known, name) == known.end()) {
      return Invalid("unknown field '{}'{}", raw, DidYouMean(name, known));
    }
    if (out.contains(name)) return Invalid("{} is given twice", name);
    out[name] = value;
  }
  return out;
}

class Fields {
 public:
  explicit Fields(std::map<std::string, Json> fields) : fields_(std::move(fields)) {}

  bool Has(const std::string& name) const {
    auto it = fields_.find(name);
    return it != fields_.end() && !it->second.is_null();
  }
  const Json& Get(const std::string& name) const { return fields_.at(name); }

  Result<std::string> String(const std::string& name) const {
    if (!Has(name)) return std::string();
    if (!Get(name).is_string()) return Invalid("{} must be text", name);
    return Get(name).get<std::string>();
  }
  Result<bool> Bool(const std::string& name) const {
    if (!Has(name)) return false;
    if (!Get(name).is_boolean()) return Invalid("{} must be true or false", name);
    return Get(name).get<bool>();
  }
  Result<int64_t> Int(const std::string& name, int64_t fallback, int64_t low, int64_t high) const {
    if (!Has(name)) return fallback;
    const Json& v = Get(name);
    int64_t n = 0;
    if (v.is_number_integer()) {
      n = v.get<int64_t>();
    } else if (v.is_string()) {
      std::string text = v.get<std::string>();
      char* end = nullptr;
      n = std::strtoll(text.c_str(), &end, 10);
      if (text.empty() || *end != '\0') return Invalid("{} must be a whole number", name);
    } else {
      return Invalid("{} must be a whole number", name);
    }
    if (n < low || n > high)
      return Invalid("{} must be from {} to {} (got {})", name, low, high, n);
    return n;
  }
  Result<std::optional<Duration>> DurationField(const std::string& name) const {
    if (!Has(name)) return std::optional<Duration>();
    const Json& v = Get(name);
    std::string text = v.is_number()   ? fmt::format("{}s", v.get<double>())
                       : v.is_string() ? v.get<std::string>()
                                       : std::string();
    if (text.empty()) return Invalid("{} must be a duration (\"1h\", \"30d\", \"3600s\")", name);
    auto d = ParseDuration(text);
    if (!d) return Invalid("{}: {}", name, d.error().message);
    return std::optional<Duration>(*d);
  }
  Result<std::optional<Time>> TimeField(const std::string& name) const {
    if (!Has(name)) return std::optional<Time>();
    if (!Get(name).is_string()) {
      return Invalid("{} must be a time in UTC (RFC 3339: \"2021-01-01T00:00:00Z\")", name);
    }
    auto t = ParseDateTime(Get(name).get<std::string>());
    if (!t) return Invalid("{}: {}", name, t.error().message);
    return std::optional<Time>(*t);
  }
  Result<std::vector<std::string>> Strings(const std::string& name) const {
    std::vector<std::string> out;
    if (!Has(name)) return out;
    const Json& v = Get(name);
    if (!v.is_array()) return Invalid("{} must be a list of text", name);
    if (v.size() > kMaxPrefixes) {
      return Invalid("{} has {} entries; the most is {}", name, v.size(), kMaxPrefixes);
    }
    for (const Json& item : v) {
      if (!item.is_string()) return Invalid("{} must be a list of text", name);
      out.push_back(item.get<std::string>());
    }
    return out;
  }

 private:
  std::map<std::string, Json> fields_;
};

// The Transfer Service's rules for one list of prefixes.
Status CheckPrefixes(const std::string& name, const std::vector<std::string>& prefixes) {
  for (const std::string& p : prefixes) {
    if (p.empty()) return Invalid("{}: a prefix must not be empty", name);
    if (p.size() > kMaxPrefixBytes) {
      return Invalid("{}: a prefix may be at most {} bytes (UTF-8), '{}...' has {}", name,
                     kMaxPrefixBytes, p.substr(0, 40), p.size());
    }
    if (p.find_first_of("\r\n") != std::string::npos) {
      return Invalid("{}: prefix '{}' contains a line break", name, p);
    }
    if (p.front() == '/') {
      return Invalid(
          "{}: prefix '{}' must not start with '/' (prefixes are relative to the "
          "source's path: '{}')",
          name, p,
          p.substr(p.find_first_not_of('/') == std::string::npos ? p.size()
                                                                 : p.find_first_not_of('/')));
    }
  }
  std::vector<std::string> sorted = prefixes;
  std::ranges::sort(sorted);
  for (size_t i = 0; i + 1 < sorted.size(); ++i) {
    if (sorted[i + 1].starts_with(sorted[i])) {
      return Invalid(
          "{}: '{}' is a prefix of '{}'; no prefix may be a prefix of another in "
          "the same list (keep '{}')",
          name, sorted[i], sorted[i + 1], sorted[i]);
    }
  }
  return {};
}

// A store URI whose path is empty or a folder; `role` is "source" or "sink".
Status CheckStoreUri(const std::string& role, const std::string& uri) {
  if (uri.starts_with("http://") || uri.starts_with("https://")) {
    if (role == "sink") {
      return Invalid(
          "sink {} is a web address, which cannot be written to; a sink is "
          "file://, lake://, s3://, gs:// or az://",
          uri);
    }
    return Invalid(
        "source {} is a web address: a list of URLs to fetch is given as url_list "
        "(the Transfer Service's TsvHttpData-1.0 file)",
        uri);
  }
  std::string path;
  if (uri.starts_with("file://")) {
    path = uri.substr(7);
    if (!path.starts_with("/")) {
      return Invalid("{} {} needs an absolute path: file:///absolute/path/", role, uri);
    }
    path = path.substr(1);
  } else if (uri.starts_with("lake://")) {
    path = uri.substr(7);
  } else if (uri.starts_with("s3://") || uri.starts_with("gs://") || uri.starts_with("az://")) {
    std::string rest = uri.substr(5);
    size_t slash = rest.find('/');
    if (rest.empty() || slash == 0) return Invalid("{} {} names no bucket", role, uri);
    path = slash == std::string::npos ? "" : rest.substr(slash + 1);
  } else {
    return Invalid(
        "{} '{}' is not a store: use file:///path/, lake://prefix/, s3://bucket/, "
        "gs://bucket/ or az://container/",
        role, uri);
  }
  if (!path.empty() && !path.ends_with('/')) {
    return Invalid("{} {} must name a folder: its path must be empty or end in '/' ({}/)", role,
                   uri, uri);
  }
  if (!path.empty()) {
    auto valid = ValidateKey(path.substr(0, path.size() - 1));
    if (!valid) return Invalid("{} {}: {}", role, uri, valid.error().message);
  }
  return {};
}

// "s3://b/x/" -> "s3://b/x/"; a bucket alone gets its '/'.
std::string AsFolder(const std::string& uri) { return uri.ends_with('/') ? uri : uri + "/"; }

Result<MaxDeletes> ParseMaxDeletes(const Json& v) {
  MaxDeletes out;
  std::string text = v.is_number_integer() ? std::to_string(v.get<int64_t>())
                     : v.is_string()       ? std::string(Trim(v.get<std::string>()))
                                           : std::string();
  out.text = text;
  if (text.ends_with('%')) {
    char* end = nullptr;
    std::string number = text.substr(0, text.size() - 1);
    double p = std::strtod(number.c_str(), &end);
    if (number.empty() || *end != '\0' || !std::isfinite(p) || p < 0 || p > 100) {
      return Invalid("max_deletes '{}' must be a count (100) or a percentage from 0% to 100%",
                     text);
    }
    out.percent = p;
    return out;
  }
  char* end = nullptr;
  long long n = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || n < 0) {
    return Invalid("max_deletes '{}' must be a count (100) or a percentage (10%)", text);
  }
  out.count = n;
  return out;
}

}  // namespace

bool ObjectConditions::HasTimeConditions() const {
  return min_time_elapsed_since_last_modification || max_time_elapsed_since_last_modification ||
         last_modified_since || last_modified_before;
}

bool ObjectConditions::AdmitsKey(std::string_view key) const {
  auto starts = [key](const std::string& p) { return key.starts_with(p); };
  if (!include_prefixes.empty() && std::ranges::none_of(include_prefixes, starts)) return false;
  return std::ranges::none_of(exclude_prefixes, starts);
}

bool ObjectConditions::Admits(std::string_view key, std::optional<Time> modified,
                              Time start) const {
  if (!AdmitsKey(key)) return false;
  if (!modified) return true;
  Duration age = start - *modified;
  if (min_time_elapsed_since_last_modification && age < *min_time_elapsed_since_last_modification) {
    return false;
  }
  if (max_time_elapsed_since_last_modification &&
      age >= *max_time_elapsed_since_last_modification) {
    return false;
  }
  if (last_modified_since && *modified < *last_modified_since) return false;
  if (last_modified_before && *modified >= *last_modified_before) return false;
  return true;
}

std::string_view OverwriteWhenName(OverwriteWhen w) {
  switch (w) {
    case OverwriteWhen::kNever:
      return "never";
    case OverwriteWhen::kAlways:
      return "always";
    case OverwriteWhen::kDifferent:
      break;
  }
  return "different";
}

const std::vector<std::string>& TransferSpecFields() {
  static const std::vector<std::string> kAll = [] {
    std::vector<std::string> all = {"source",         "url_list",     "sink",
                                    "source_conn_id", "sink_conn_id", "manifest"};
    all.insert(all.end(), kConditionFields.begin(), kConditionFields.end());
    all.insert(all.end(), kOptionFields.begin(), kOptionFields.end());
    for (const char* f :
         {"dry_run", "max_deletes", "parallelism", "bandwidth_limit", "max_failures"}) {
      all.emplace_back(f);
    }
    return all;
  }();
  return kAll;
}

Result<int64_t> ParseByteCount(std::string_view text) {
  std::string t = ToLower(Trim(text));
  if (t.ends_with("/s")) t.resize(t.size() - 2);
  size_t digits = 0;
  while (digits < t.size() &&
         (std::isdigit(static_cast<unsigned char>(t[digits])) || t[digits] == '.')) {
    ++digits;
  }
  std::string unit(Trim(std::string_view(t).substr(digits)));
  std::string number = t.substr(0, digits);
  char* end = nullptr;
  double n = std::strtod(number.c_str(), &end);
  static const std::map<std::string, double> kUnits = {{"", 1},
                                                       {"b", 1},
                                                       {"k", 1e3},
                                                       {"kb", 1e3},
                                                       {"m", 1e6},
                                                       {"mb", 1e6},
                                                       {"g", 1e9},
                                                       {"gb", 1e9},
                                                       {"ki", 1024.0},
                                                       {"kib", 1024.0},
                                                       {"mi", 1048576.0},
                                                       {"mib", 1048576.0},
                                                       {"gi", 1073741824.0},
                                                       {"gib", 1073741824.0}};
  auto unit_it = kUnits.find(unit);
  if (number.empty() || *end != '\0' || unit_it == kUnits.end() || !std::isfinite(n)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("'{}' is not a size: use bytes (1048576) or a unit: 500KB, "
                                 "10MB, 1.5GiB",
                                 text));
  }
  double bytes = n * unit_it->second;
  if (bytes > 9e18) {
    return MakeError(ErrorCode::kInvalidArgument, fmt::format("'{}' is too large", text));
  }
  return static_cast<int64_t>(bytes);
}

Result<TransferSpec> ParseTransferSpec(const Json& json) {
  Fields f(TRY(Flatten(json)));
  TransferSpec s;
  s.source = TRY(f.String("source"));
  s.url_list = TRY(f.String("url_list"));
  s.sink = TRY(f.String("sink"));
  s.source_conn_id = TRY(f.String("source_conn_id"));
  s.sink_conn_id = TRY(f.String("sink_conn_id"));
  s.manifest = TRY(f.String("manifest"));

  if (s.source.empty() == s.url_list.empty()) {
    return s.source.empty()
               ? Invalid("give a source (a store URI such as s3://bucket/raw/) or a url_list")
               : Invalid("give a source or a url_list, not both");
  }
  if (s.sink.empty()) return Invalid("a sink is required (a store URI such as gs://bucket/)");
  if (!s.source.empty()) {
    TRY(CheckStoreUri("source", s.source));
    s.source = AsFolder(s.source);
  } else {
    TRY_CONTEXT(CheckListLocation("url_list", s.url_list), "transfer");
  }
  TRY(CheckStoreUri("sink", s.sink));
  s.sink = AsFolder(s.sink);
  if (!s.source.empty() && (s.source.starts_with(s.sink) || s.sink.starts_with(s.source))) {
    return Invalid("source {} and sink {} overlap: the transfer would read what it writes",
                   s.source, s.sink);
  }
  if (!s.manifest.empty() && !s.url_list.empty()) {
    return Invalid("a manifest lists objects of a store source; a url_list is its own list");
  }
  if (!s.manifest.empty()) TRY_CONTEXT(CheckListLocation("manifest", s.manifest), "transfer");

  ObjectConditions& c = s.object_conditions;
  c.include_prefixes = TRY(f.Strings("include_prefixes"));
  c.exclude_prefixes = TRY(f.Strings("exclude_prefixes"));
  TRY(CheckPrefixes("include_prefixes", c.include_prefixes));
  TRY(CheckPrefixes("exclude_prefixes", c.exclude_prefixes));
  if (!c.include_prefixes.empty()) {
    for (const std::string& e : c.exclude_prefixes) {
      if (std::ranges::none_of(c.include_prefixes,
                               [&e](const std::string& i) { return e.starts_with(i); })) {
        return Invalid(
            "exclude_prefixes: '{}' does not start with any include prefix; with "
            "include_prefixes, each exclude prefix must lie inside one of them",
            e);
      }
    }
  }
  c.min_time_elapsed_since_last_modification =
      TRY(f.DurationField("min_time_elapsed_since_last_modification"));
  c.max_time_elapsed_since_last_modification =
      TRY(f.DurationField("max_time_elapsed_since_last_modification"));
  c.last_modified_since = TRY(f.TimeField("last_modified_since"));
  c.last_modified_before = TRY(f.TimeField("last_modified_before"));
  if (c.min_time_elapsed_since_last_modification && c.max_time_elapsed_since_last_modification &&
      *c.min_time_elapsed_since_last_modification >= *c.max_time_elapsed_since_last_modification) {
    return Invalid(
        "min_time_elapsed_since_last_modification ({}) must be less than "
        "max_time_elapsed_since_last_modification ({}): no object could be both",
        FormatDuration(*c.min_time_elapsed_since_last_modification),
        FormatDuration(*c.max_time_elapsed_since_last_modification));
  }
  if (c.last_modified_since && c.last_modified_before &&
      *c.last_modified_since >= *c.last_modified_before) {
    return Invalid("last_modified_since ({}) must be before last_modified_before ({})",
                   FormatIso(*c.last_modified_since), FormatIso(*c.last_modified_before));
  }
  if (!s.url_list.empty() &&
      (c.HasTimeConditions() || !c.include_prefixes.empty() || !c.exclude_prefixes.empty())) {
    return Invalid(
        "object conditions do not apply to a url_list source (the Transfer Service "
        "ignores them); list only the URLs to fetch");
  }

  bool always = TRY(f.Bool("overwrite_objects_already_existing_in_sink"));
  s.overwrite_when = always ? OverwriteWhen::kAlways : OverwriteWhen::kDifferent;
  if (f.Has("overwrite_when")) {
    std::string w = ToLower(TRY(f.String("overwrite_when")));
    if (w == "different") {
      s.overwrite_when = OverwriteWhen::kDifferent;
    } else if (w == "never") {
      s.overwrite_when = OverwriteWhen::kNever;
    } else if (w == "always") {
      s.overwrite_when = OverwriteWhen::kAlways;
    } else if (w != "overwrite_when_unspecified") {
      return Invalid("overwrite_when '{}' is not one of different, never, always{}", w,
                     DidYouMean(w, {"different", "never", "always"}));
    }
  }
  s.delete_objects_unique_in_sink = TRY(f.Bool("delete_objects_unique_in_sink"));
  s.delete_objects_from_source_after_transfer =
      TRY(f.Bool("delete_objects_from_source_after_transfer"));
  if (s.delete_objects_unique_in_sink && s.delete_objects_from_source_after_transfer) {
    return Invalid(
        "delete_objects_unique_in_sink and delete_objects_from_source_after_transfer "
        "are mutually exclusive: a transfer either mirrors the source (deleting what "
        "only the sink has) or moves it (deleting what it copied)");
  }
  if (s.delete_objects_unique_in_sink && c.HasTimeConditions()) {
    return Invalid(
        "delete_objects_unique_in_sink cannot be combined with time-based object "
        "conditions (min/max_time_elapsed_since_last_modification, "
        "last_modified_since/before): time conditions never exclude objects in the "
        "sink, so every older object there would be deleted");
  }
  if (s.delete_objects_from_source_after_transfer && !s.url_list.empty()) {
    return Invalid(
        "delete_objects_from_source_after_transfer cannot delete from a url_list "
        "source (web addresses are only read)");
  }

  s.dry_run = TRY(f.Bool("dry_run"));
  if (f.Has("max_deletes")) s.max_deletes = TRY(ParseMaxDeletes(f.Get("max_deletes")));
  s.parallelism = static_cast<int>(TRY(f.Int("parallelism", 16, 1, 64)));
  if (f.Has("bandwidth_limit")) {
    const Json& v = f.Get("bandwidth_limit");
    if (v.is_number_integer()) {
      s.bandwidth_limit = v.get<int64_t>();
    } else if (v.is_string()) {
      auto bytes = ParseByteCount(v.get<std::string>());
      if (!bytes) return Invalid("bandwidth_limit: {}", bytes.error().message);
      s.bandwidth_limit = *bytes;
    } else {
      return Invalid("bandwidth_limit must be bytes per second (10485760) or a size (10MB)");
    }
    if (s.bandwidth_limit < 0) return Invalid("bandwidth_limit must not be negative");
  }
  s.max_failures = TRY(f.Int("max_failures", 0, 0, INT64_MAX));
  return s;
}

Json TransferSpecJson(const TransferSpec& s) {
  Json j = Json::object();
  auto put = [&j](const char* name, const std::string& v) {
    if (!v.empty()) j[name] = v;
  };
  put("source", s.source);
  put("url_list", s.url_list);
  put("sink", s.sink);
  put("source_conn_id", s.source_conn_id);
  put("sink_conn_id", s.sink_conn_id);
  put("manifest", s.manifest);
  const ObjectConditions& c = s.object_conditions;
  if (!c.include_prefixes.empty()) j["include_prefixes"] = c.include_prefixes;
  if (!c.exclude_prefixes.empty()) j["exclude_prefixes"] = c.exclude_prefixes;
  auto seconds = [](Duration d) { return fmt::format("{}s", ToSeconds(d)); };
  if (c.min_time_elapsed_since_last_modification) {
    j["min_time_elapsed_since_last_modification"] =
        seconds(*c.min_time_elapsed_since_last_modification);
  }
  if (c.max_time_elapsed_since_last_modification) {
    j["max_time_elapsed_since_last_modification"] =
        seconds(*c.max_time_elapsed_since_last_modification);
  }
  if (c.last_modified_since) j["last_modified_since"] = FormatIso(*c.last_modified_since);
  if (c.last_modified_before) j["last_modified_before"] = FormatIso(*c.last_modified_before);
  j["overwrite_when"] = std::string(OverwriteWhenName(s.overwrite_when));
  j["delete_objects_unique_in_sink"] = s.delete_objects_unique_in_sink;
  j["delete_objects_from_source_after_transfer"] = s.delete_objects_from_source_after_transfer;
  j["dry_run"] = s.dry_run;
  if (s.max_deletes) j["max_deletes"] = s.max_deletes->text;
  j["parallelism"] = s.parallelism;
  if (s.bandwidth_limit > 0) j["bandwidth_limit"] = s.bandwidth_limit;
  j["max_failures"] = s.max_failures;
  return j;
}

}  // namespace weir
