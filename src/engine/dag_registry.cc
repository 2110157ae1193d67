#include "engine/dag_registry.h"

#include <set>

#include "model/dag_bag.h"
#include "model/dag_loader.h"

namespace weir {

DagRegistry::DagRegistry(DagStore& store, const Clock& clock, std::string dags_folder,
                         std::vector<OperatorSchema> operators)
    : store_(store),
      clock_(clock),
      dags_folder_(std::move(dags_folder)),
      operators_(std::move(operators)) {}

const LoadedDag* DagRegistry::Find(const std::string& dag_id) const {
  auto it = dags_.find(dag_id);
  return it == dags_.end() ? nullptr : &it->second;
}

LoadedDag DagRegistry::Derive(std::shared_ptr<const DagSpec> spec, const DagVersion& v) {
  LoadedDag ld;
  ld.version_id = v.id;
  ld.version_number = v.version_number;
  ld.graph = TaskGraph::Build(*spec);
  ld.spec = std::move(spec);
  return ld;
}

Status DagRegistry::KeepLastGoodVersions(const std::map<std::string, std::string>& errors,
                                         std::map<std::string, LoadedDag>& loaded) {
  for (const auto& row : TRY(store_.ListDags())) {
    auto error = errors.find(row.fileloc);
    if (error == errors.end() || loaded.count(row.dag_id) != 0) continue;
    auto previous = dags_.find(row.dag_id);
    bool was_loaded = previous != dags_.end() && previous->second.spec->fileloc == row.fileloc;
    // Inactive means its file was gone: a broken file in its place does not bring it back.
    if (!was_loaded && !row.is_active) continue;
    LoadedDag ld;
    if (was_loaded && previous->second.version_id == row.latest_version_id) {
      ld = previous->second;
    } else {
      auto version = store_.GetDagVersion(row.latest_version_id);
      if (!version) {
        if (version.error().code == ErrorCode::kNotFound) continue;
        return std::unexpected(version.error());
      }
      // The stored source parsed when it was recorded; it may not parse now when this weir
      // knows other operators. Then the DAG has no good version and goes inactive.
      auto spec = ParseDag(version->source, row.fileloc, operators_);
      if (!spec || spec->dag_id != row.dag_id) continue;
      ld = Derive(std::make_shared<const DagSpec>(*std::move(spec)), *version);
    }
    ld.import_error = error->second;
    if (!row.is_active) TRY(store_.SetActive(row.dag_id, true));
    loaded[row.dag_id] = std::move(ld);
  }
  return {};
}

Status DagRegistry::Reload() {
  DagBag bag = LoadDagFolder(dags_folder_, operators_);
  std::map<std::string, LoadedDag> loaded;
  TRY(store_.Transaction([&]() -> Status {
    for (const auto& [dag_id, spec] : bag.dags) {
      LoadedDag ld;
      auto previous = dags_.find(dag_id);
      if (previous != dags_.end() && previous->second.spec->source_hash == spec->source_hash) {
        // Unchanged file (or fixed back to its last good version): keep the derived data.
        ld = previous->second;
        ld.spec = spec;
        ld.import_error.clear();
      } else {
        DagVersion v =
            TRY(store_.AddDagVersion(dag_id, spec->source_hash, spec->source, spec->fileloc));
        ld = Derive(spec, v);
      }
      DagRow row;
      row.dag_id = dag_id;
      row.fileloc = spec->fileloc;
      row.is_paused = spec->is_paused_upon_creation;  // kept for existing rows by UpsertDag
      row.is_active = true;
      row.latest_version_id = ld.version_id;
      row.description = spec->description;
      row.schedule = spec->schedule;
      row.timezone = spec->timezone;
      row.owner = spec->owner;
      row.tags = spec->tags;
      row.last_parsed_at = clock_.Now();
      TRY(store_.UpsertDag(row));
      loaded[dag_id] = std::move(ld);
    }
    TRY(KeepLastGoodVersions(bag.errors, loaded));
    // DAGs whose file is gone stay in the store, inactive, with their history.
    for (const auto& row : TRY(store_.ListDags())) {
      if (loaded.count(row.dag_id) == 0 && row.is_active) {
        TRY(store_.SetActive(row.dag_id, false));
      }
    }
    std::set<std::string> still_broken;
    for (const auto& [file, message] : bag.errors) {
      TRY(store_.SetImportError(file, message));
      still_broken.insert(file);
    }
    for (const auto& e : TRY(store_.ListImportErrors())) {
      if (still_broken.count(e.fileloc) == 0) TRY(store_.ClearImportError(e.fileloc));
    }
    return {};
  }));
  dags_ = std::move(loaded);
  errors_ = std::move(bag.errors);
  return {};
}

}  // namespace weir
