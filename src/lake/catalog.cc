#include "lake/catalog.h"

#include <algorithm>
#include <map>
#include <set>

#include "base/strings.h"
#include "lake/object_store.h"

namespace weir {

namespace {

bool IsPartitionSegment(std::string_view segment) {
  size_t eq = segment.find('=');
  return eq != std::string_view::npos && eq > 0;
}

int IntegerRank(const std::string& type) {
  static const std::vector<std::string> kOrder = {"TINYINT",   "UTINYINT", "SMALLINT",
                                                  "USMALLINT", "INTEGER",  "UINTEGER",
                                                  "BIGINT",    "UBIGINT",  "HUGEINT"};
  auto it = std::find(kOrder.begin(), kOrder.end(), type);
  return it == kOrder.end() ? -1 : static_cast<int>(it - kOrder.begin());
}

bool IsFloat(const std::string& type) { return type == "FLOAT" || type == "DOUBLE"; }
bool IsDecimal(const std::string& type) { return type.starts_with("DECIMAL"); }

// What matching and describing compare: the object's columns with the dataset's types for
// its empty ones.
struct Placed {
  std::vector<DatasetSchema> versions;
  CurrentSchema current;
  std::vector<ColumnInfo> columns;  // WithKnownTypes
  const DatasetSchema* match = nullptr;
};

Result<Placed> Place(CatalogStore& store, const std::string& dataset,
                     const std::vector<ColumnInfo>& columns, const std::string& uri) {
  Placed p;
  p.versions = TRY(store.ListDatasetSchemas(dataset));
  p.current = TRY(CurrentSchemaOf(store, dataset, uri));
  p.columns = WithKnownTypes(columns, p.current.columns);
  p.match = MatchingVersion(p.versions, p.columns);
  return p;
}

std::string ColumnText(const ColumnInfo& c) {
  return fmt::format("{} ({})", c.name, c.empty ? "no values" : c.type);
}

}  // namespace

Result<SchemaPolicy> ParseSchemaPolicy(std::string_view text) {
  if (text == "evolve") return SchemaPolicy::kEvolve;
  if (text == "warn") return SchemaPolicy::kWarn;
  if (text == "freeze") return SchemaPolicy::kFreeze;
  return Err(ErrorCode::kInvalidArgument, "schema_policy '{}' is not one of evolve, warn, freeze{}",
             text, DidYouMean(std::string(text), {"evolve", "warn", "freeze"}));
}

std::string_view SchemaPolicyName(SchemaPolicy policy) {
  switch (policy) {
    case SchemaPolicy::kEvolve:
      return "evolve";
    case SchemaPolicy::kWarn:
      return "warn";
    case SchemaPolicy::kFreeze:
      return "freeze";
  }
  return "warn";
}

std::string DatasetOf(std::string_view key) {
  std::vector<std::string_view> segments;
  for (size_t start = 0; start <= key.size();) {
    size_t slash = key.find('/', start);
    if (slash == std::string_view::npos) slash = key.size();
    segments.push_back(key.substr(start, slash - start));
    start = slash + 1;
  }
  segments.pop_back();  // the object's own name
  while (!segments.empty() && IsPartitionSegment(segments.back())) segments.pop_back();
  std::string out;
  for (std::string_view s : segments) {
    if (!out.empty()) out += '/';
    out += s;
  }
  return out;
}

std::string SchemaChange::Describe(size_t columns_before, size_t columns_after) const {
  std::vector<std::string> parts;
  auto list = [](const std::vector<ColumnInfo>& cs) {
    std::vector<std::string> names;
    names.reserve(cs.size());
    for (const auto& c : cs) names.push_back(ColumnText(c));
    return Join(names, ", ");
  };
  if (!added.empty()) parts.push_back("added " + list(added));
  if (!removed.empty()) parts.push_back("removed " + list(removed));
  if (!retyped.empty()) {
    std::vector<std::string> names;
    names.reserve(retyped.size());
    for (const auto& r : retyped) names.push_back(fmt::format("{} {} -> {}", r.name, r.from, r.to));
    parts.push_back("retyped " + Join(names, ", "));
  }
  return fmt::format("{} -> {} columns: {}", columns_before, columns_after, Join(parts, "; "));
}

SchemaChange DiffColumns(const std::vector<ColumnInfo>& before,
                         const std::vector<ColumnInfo>& after) {
  SchemaChange change;
  std::map<std::string, const ColumnInfo*> old_by_name, new_by_name;
  for (const auto& c : before) old_by_name[c.name] = &c;
  for (const auto& c : after) new_by_name[c.name] = &c;
  for (const auto& c : after) {
    auto it = old_by_name.find(c.name);
    if (it == old_by_name.end()) {
      change.added.push_back(c);
    } else if (it->second->type != c.type && !it->second->empty && !c.empty) {
      change.retyped.push_back({c.name, it->second->type, c.type});
    }
  }
  for (const auto& c : before) {
    if (!new_by_name.contains(c.name)) change.removed.push_back(c);
  }
  return change;
}

std::string WidenType(const std::string& a, const std::string& b) {
  if (a == b) return a;
  int ra = IntegerRank(a), rb = IntegerRank(b);
  if (ra >= 0 && rb >= 0) return ra > rb ? a : b;
  bool numeric_a = ra >= 0 || IsFloat(a) || IsDecimal(a);
  bool numeric_b = rb >= 0 || IsFloat(b) || IsDecimal(b);
  if (numeric_a && numeric_b) {
    if (IsFloat(a) || IsFloat(b)) return "DOUBLE";
    if (IsDecimal(a) && rb >= 0) return a;
    if (IsDecimal(b) && ra >= 0) return b;
    return "DOUBLE";
  }
  if ((a == "DATE" && b == "TIMESTAMP") || (a == "TIMESTAMP" && b == "DATE")) return "TIMESTAMP";
  return "VARCHAR";
}

std::vector<ColumnInfo> UnionColumns(const std::vector<std::vector<ColumnInfo>>& objects) {
  std::vector<ColumnInfo> out;
  std::map<std::string, size_t> at;
  for (const auto& columns : objects) {
    for (const auto& c : columns) {
      auto it = at.find(c.name);
      if (it == at.end()) {
        at[c.name] = out.size();
        out.push_back(c);
        continue;
      }
      ColumnInfo& u = out[it->second];
      if (c.empty) continue;
      u.type = u.empty ? c.type : WidenType(u.type, c.type);
      u.empty = false;
    }
  }
  return out;
}

std::vector<ColumnInfo> WithKnownTypes(std::vector<ColumnInfo> columns,
                                       const std::vector<ColumnInfo>& current) {
  for (auto& c : columns) {
    if (!c.empty) continue;
    for (const auto& known : current) {
      if (known.name == c.name && !known.empty) {
        c.type = known.type;
        c.empty = false;
      }
    }
  }
  return columns;
}

const DatasetSchema* MatchingVersion(const std::vector<DatasetSchema>& versions,
                                     const std::vector<ColumnInfo>& columns) {
  for (auto v = versions.rbegin(); v != versions.rend(); ++v) {
    auto known = ColumnsFromJson(v->columns);
    if (!known || known->size() != columns.size()) continue;
    std::map<std::string, const ColumnInfo*> by_name;
    for (const auto& k : *known) by_name[k.name] = &k;
    bool fits = by_name.size() == columns.size();
    for (const auto& c : columns) {
      auto it = by_name.find(c.name);
      if (it == by_name.end() || (!c.empty && !it->second->empty && it->second->type != c.type)) {
        fits = false;
      }
    }
    if (fits) return &*v;
  }
  return nullptr;
}

Result<CurrentSchema> CurrentSchemaOf(CatalogStore& store, const std::string& dataset,
                                      const std::string& except_uri) {
  CurrentSchema out;
  std::vector<std::vector<ColumnInfo>> objects;
  std::set<int> versions;
  for (const auto& o : TRY(store.ListLakeObjects(""))) {  // current objects, by URI
    if (o.dataset != dataset || o.uri == except_uri) continue;
    if (!o.columns.is_array() || o.columns.empty()) continue;
    objects.push_back(TRY(ColumnsFromJson(o.columns)));
    if (o.schema_version > 0) versions.insert(o.schema_version);
  }
  out.columns = UnionColumns(objects);
  out.versions.assign(versions.begin(), versions.end());
  return out;
}

Result<Admission> AdmitObject(CatalogStore& store, const std::string& dataset,
                              const std::vector<ColumnInfo>& columns, SchemaPolicy policy,
                              const std::string& uri) {
  Admission admission;
  if (columns.empty()) return admission;  // not tabular: no schema to keep
  Placed p = TRY(Place(store, dataset, columns, uri));
  if (p.versions.empty()) return admission;
  if (p.match) {
    admission.latest_version = p.match->version;
    return admission;
  }
  const DatasetSchema& latest = p.versions.back();
  admission.latest_version = latest.version;
  auto before = TRY(ColumnsFromJson(latest.columns));
  admission.drift = true;
  admission.change = DiffColumns(before, p.columns).Describe(before.size(), p.columns.size());
  std::string shown = dataset.empty() ? std::string("(the lake's top level)") : dataset;
  if (policy == SchemaPolicy::kFreeze) {
    return Err(ErrorCode::kFailedPrecondition,
               "schema_policy freeze: {} does not match dataset {} schema version {} ({}), nor "
               "any earlier version; nothing was published. Fix the source, or set "
               "schema_policy: evolve (or warn) on the task to accept the new schema",
               uri, shown, latest.version, admission.change);
  }
  if (policy == SchemaPolicy::kWarn) {
    admission.warning = fmt::format("schema drift from dataset {} version {}: {}", shown,
                                    latest.version, admission.change);
  }
  return admission;
}

Result<LakeObject> RecordObject(CatalogStore& store, LakeObject object, SchemaPolicy policy) {
  TRY(store.Transaction([&]() -> Status {
    object.schema_version = 0;
    if (object.columns.is_array() && !object.columns.empty()) {
      auto columns = TRY(ColumnsFromJson(object.columns));
      Placed p = TRY(Place(store, object.dataset, columns, object.uri));
      if (p.match) {
        object.schema_version = p.match->version;
      } else {
        std::string change;
        if (!p.versions.empty()) {
          auto before = TRY(ColumnsFromJson(p.versions.back().columns));
          change = DiffColumns(before, p.columns).Describe(before.size(), p.columns.size());
        }
        // A column without values and without a type in the dataset stays marked empty in
        // the version: it fits any type, so its first values do not make another version.
        const std::vector<ColumnInfo>& kept = p.columns;
        DatasetSchema next{.dataset = object.dataset,
                           .version = p.versions.empty() ? 1 : p.versions.back().version + 1,
                           .columns = ColumnsToJson(kept),
                           .change = change,
                           .policy = std::string(SchemaPolicyName(policy)),
                           .first_uri = object.uri,
                           .created_at = object.created_at};
        TRY(store.AddDatasetSchema(next));
        object.schema_version = next.version;
      }
    }
    object.id = TRY(store.RecordLakeObject(object));
    return {};
  }));
  return object;
}

Result<std::optional<LakeObject>> CurrentCopyOfSource(CatalogStore& store,
                                                      const std::string& source_url,
                                                      const LakeAccess& access) {
  auto found = TRY(store.FindLakeObjectBySource(source_url));
  if (!found) return found;
  auto lake = TRY(OpenObjectStore(found->store_uri, access));
  auto head = TRY(lake->Head(found->key));
  if (!head || head->size != found->size || head->etag != found->etag) {
    return std::optional<LakeObject>();
  }
  return found;
}

}  // namespace weir
