#include "lake/catalog.h"

#include <map>

#include "base/strings.h"
#include "lake/object_store.h"

namespace weir {

namespace {

bool IsPartitionSegment(std::string_view segment) {
  size_t eq = segment.find('=');
  return eq != std::string_view::npos && eq > 0;
}

Result<std::optional<DatasetSchema>> LatestSchema(MetadataStore& store,
                                                  const std::string& dataset) {
  auto versions = TRY(store.ListDatasetSchemas(dataset));
  if (versions.empty()) return std::optional<DatasetSchema>();
  return std::optional<DatasetSchema>(std::move(versions.back()));
}

std::string ColumnText(const ColumnInfo& c) { return fmt::format("{} ({})", c.name, c.type); }

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
    for (const auto& c : cs) names.push_back(ColumnText(c));
    return Join(names, ", ");
  };
  if (!added.empty()) parts.push_back("added " + list(added));
  if (!removed.empty()) parts.push_back("removed " + list(removed));
  if (!retyped.empty()) {
    std::vector<std::string> names;
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
    } else if (it->second->type != c.type) {
      change.retyped.push_back({c.name, it->second->type, c.type});
    }
  }
  for (const auto& c : before) {
    if (!new_by_name.contains(c.name)) change.removed.push_back(c);
  }
  return change;
}

Result<Admission> AdmitObject(MetadataStore& store, const std::string& dataset,
                              const std::vector<ColumnInfo>& columns, SchemaPolicy policy,
                              const std::string& uri) {
  Admission admission;
  if (columns.empty()) return admission;  // not tabular: no schema to keep
  auto latest = TRY(LatestSchema(store, dataset));
  if (!latest) return admission;
  admission.latest_version = latest->version;
  auto before = TRY(ColumnsFromJson(latest->columns));
  SchemaChange change = DiffColumns(before, columns);
  if (change.empty()) return admission;
  admission.drift = true;
  admission.change = change.Describe(before.size(), columns.size());
  std::string shown = dataset.empty() ? std::string("(the lake's top level)") : dataset;
  if (policy == SchemaPolicy::kFreeze) {
    return Err(ErrorCode::kFailedPrecondition,
               "schema_policy freeze: {} does not match dataset {} schema version {} ({}); "
               "nothing was published. Fix the source, or set schema_policy: evolve (or warn) "
               "on the task to accept the new schema",
               uri, shown, latest->version, admission.change);
  }
  if (policy == SchemaPolicy::kWarn) {
    admission.warning = fmt::format("schema drift from dataset {} version {}: {}", shown,
                                    latest->version, admission.change);
  }
  return admission;
}

Result<LakeObject> RecordObject(MetadataStore& store, LakeObject object, SchemaPolicy policy) {
  TRY(store.Transaction([&]() -> Status {
    object.schema_version = 0;
    if (object.columns.is_array() && !object.columns.empty()) {
      auto columns = TRY(ColumnsFromJson(object.columns));
      auto latest = TRY(LatestSchema(store, object.dataset));
      std::string change;
      bool same = false;
      if (latest) {
        auto before = TRY(ColumnsFromJson(latest->columns));
        SchemaChange diff = DiffColumns(before, columns);
        same = diff.empty();
        if (!same) change = diff.Describe(before.size(), columns.size());
      }
      if (same) {
        object.schema_version = latest->version;
      } else {
        DatasetSchema next{.dataset = object.dataset,
                           .version = latest ? latest->version + 1 : 1,
                           .columns = object.columns,
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

Result<std::optional<LakeObject>> CurrentCopyOfSource(MetadataStore& store,
                                                      const std::string& source_url) {
  auto found = TRY(store.FindLakeObjectBySource(source_url));
  if (!found) return found;
  auto lake = TRY(OpenObjectStore(found->store_uri));
  auto head = TRY(lake->Head(found->key));
  if (!head || head->size != found->size || head->etag != found->etag) {
    return std::optional<LakeObject>();
  }
  return found;
}

}  // namespace weir
