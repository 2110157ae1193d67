// `weir lake ls|show|schema|history`: the lake catalog.
#include <algorithm>

#include "base/strings.h"
#include "cli/commands.h"
#include "duck/file_facts.h"
#include "engine/connections.h"
#include "env/clock.h"
#include "lake/catalog.h"
#include "lake/file/file_store.h"
#include "lake/s3/s3_store.h"
#include "store/records_json.h"

namespace weir {

namespace {

// A URI as users type it: "raw/yellow" means lake://raw/yellow.
std::string AsUri(const std::string& text) {
  return text.find("://") == std::string::npos ? "lake://" + text : text;
}

std::string Rows(const std::optional<int64_t>& rows) {
  return rows ? std::to_string(*rows) : std::string();
}

std::string ProducedBy(const LakeObject& o) {
  if (o.dag_id.empty()) return "";
  return fmt::format("{}/{}/{} try {}", o.dag_id, o.run_id, o.task_id, o.try_number);
}

Result<int> ListDatasetsCmd(CliState& state) {
  auto ctx = TRY(state.Open(false));
  Table t({"dataset", "objects", "rows", "size", "schema", "warnings", "updated"});
  for (const auto& d : TRY(ctx->store->ListDatasets())) {
    t.AddRow({d.dataset.empty() ? "(top level)" : d.dataset, std::to_string(d.objects),
              Rows(d.rows), FormatBytes(d.size), fmt::format("v{}", d.schema_version),
              d.warnings > 0 ? std::to_string(d.warnings) : "", ShortTime(d.updated_at)},
             DatasetSummaryJson(d));
  }
  if (t.size() == 0 && state.format() == OutputFormat::kTable) {
    fmt::print("the lake catalog is empty: lake_put records every object it publishes\n");
    return kExitOk;
  }
  t.Print(state.format(), ctx->masker);
  return kExitOk;
}

Result<int> ListObjectsCmd(CliState& state, const std::string& prefix) {
  if (prefix.empty()) return ListDatasetsCmd(state);
  auto ctx = TRY(state.Open(false));
  Table t({"uri", "size", "rows", "schema", "written", "by", "warning"});
  for (const auto& o : TRY(ctx->store->ListLakeObjects(AsUri(prefix)))) {
    t.AddRow({o.uri, FormatBytes(o.size), Rows(o.rows),
              o.schema_version > 0 ? fmt::format("v{}", o.schema_version) : "",
              ShortTime(o.created_at), ProducedBy(o), o.warning.empty() ? "" : "yes"},
             LakeObjectJson(o));
  }
  t.Print(state.format(), ctx->masker);
  return kExitOk;
}

Result<std::vector<LakeObject>> HistoryOf(CliContext& ctx, const std::string& uri) {
  auto history = TRY(ctx.store->LakeObjectHistory(AsUri(uri)));
  if (history.empty()) {
    return Err(ErrorCode::kNotFound,
               "the lake catalog has no object {}; `weir lake ls PREFIX` lists what it has",
               AsUri(uri));
  }
  return history;
}

Result<int> ShowCmd(CliState& state, const std::string& uri) {
  auto ctx = TRY(state.Open(false));
  auto history = TRY(HistoryOf(*ctx, uri));
  const LakeObject& o = history.front();
  if (state.format() == OutputFormat::kJson) {
    fmt::print("{}\n", LakeObjectJson(o).dump(2));
    return kExitOk;
  }
  auto line = [](std::string_view label, const std::string& value) {
    if (!value.empty()) fmt::print("{:<15} {}\n", label, value);
  };
  line("uri", o.uri);
  line("stored at", o.store_uri + "/" + o.key);
  line("dataset", o.dataset);
  line("format", o.format);
  line("size", fmt::format("{} ({} bytes)", FormatBytes(o.size), o.size));
  line("rows", Rows(o.rows));
  line("sha256", o.sha256);
  line("etag", o.etag);
  line("schema", o.schema_version > 0 ? fmt::format("version {}", o.schema_version) : "");
  line("source", o.source_url);
  line("source etag", o.source_etag);
  line("last modified", o.source_last_modified);
  line("written", FormatIso(o.created_at));
  line("by", ProducedBy(o));
  line("replaced", o.replaced_at ? FormatIso(*o.replaced_at) + " (no longer current)" : "");
  line("warning", o.warning);
  line("versions",
       history.size() > 1 ? fmt::format("{} (weir lake history {})", history.size(), o.uri) : "");
  if (auto columns = ColumnsFromJson(o.columns); columns && !columns->empty()) {
    fmt::print("columns:\n");
    for (const auto& c : *columns) fmt::print("  {:<28} {}\n", c.name, c.type);
  }
  return kExitOk;
}

Result<int> SchemaCmd(CliState& state, const std::string& dataset) {
  auto ctx = TRY(state.Open(false));
  auto versions = TRY(ctx->store->ListDatasetSchemas(dataset));
  if (versions.empty()) {
    std::vector<std::string> names;
    for (const auto& d : TRY(ctx->store->ListDatasets())) names.push_back(d.dataset);
    return Err(ErrorCode::kNotFound, "the lake catalog has no dataset '{}'{}", dataset,
               names.empty() ? std::string(" (it is empty)") : DidYouMean(dataset, names));
  }
  CurrentSchema current = TRY(CurrentSchemaOf(*ctx->store, dataset));
  if (state.format() == OutputFormat::kJson) {
    Json out = Json::array();
    for (const auto& v : versions) {
      Json j = DatasetSchemaJson(v);
      j["current"] = std::find(current.versions.begin(), current.versions.end(), v.version) !=
                     current.versions.end();
      out.push_back(std::move(j));
    }
    fmt::print("{}\n", out.dump(2));
    return kExitOk;
  }
  Table t({"version", "recorded", "columns", "policy", "in use", "change", "first object"});
  for (const auto& v : versions) {
    bool used = std::find(current.versions.begin(), current.versions.end(), v.version) !=
                current.versions.end();
    t.AddRow({fmt::format("v{}", v.version), ShortTime(v.created_at),
              std::to_string(v.columns.size()), v.policy, used ? "yes" : "",
              v.change.empty() ? "(first version)" : v.change, v.first_uri});
  }
  t.Print(state.format(), ctx->masker);
  // The union of the current objects' columns, as the table over them reads it.
  fmt::print("\ncurrent schema (the union of the current objects' columns):\n");
  for (const auto& c : current.columns) {
    fmt::print("  {:<28} {}{}\n", c.name, c.type, c.empty ? " (no values yet)" : "");
  }
  return kExitOk;
}

Result<int> HistoryCmd(CliState& state, const std::string& uri) {
  auto ctx = TRY(state.Open(false));
  Table t({"written", "size", "rows", "sha256", "schema", "by", "current", "warning"});
  for (const auto& o : TRY(HistoryOf(*ctx, uri))) {
    t.AddRow({ShortTime(o.created_at), FormatBytes(o.size), Rows(o.rows), o.sha256.substr(0, 12),
              o.schema_version > 0 ? fmt::format("v{}", o.schema_version) : "", ProducedBy(o),
              o.replaced_at ? "" : "yes", o.warning},
             LakeObjectJson(o));
  }
  t.Print(state.format(), ctx->masker);
  return kExitOk;
}

// An S3 lake: the multipart uploads begun more than `older_than` ago and never completed
// (a writer killed mid-upload cannot abort its own), aborted with their parts.
Result<int> FsckS3(CliState& state, const std::string& lake, Duration older_than, bool dry_run) {
  auto ctx = TRY(state.Open(false));
  ConnectionFinder find = [&ctx](const std::string& id) {
    return FindConnection(*ctx->store, ctx->config.secret_key_file, id);
  };
  auto store = TRY(OpenObjectStore(lake, {ctx->config.lake_conn_id, find}));
  auto* s3 = dynamic_cast<S3ObjectStore*>(store.get());
  if (s3 == nullptr) return Err(ErrorCode::kInternal, "{} did not open as an S3 lake", lake);
  Time cutoff = SystemClock().Now() - older_than;
  int count = 0;
  for (const S3Upload& u : TRY(s3->ListUploads(""))) {
    if (u.initiated > cutoff) continue;
    if (!dry_run) TRY(s3->AbortUpload(u));
    fmt::print("{} unfinished upload of {}/{} begun {}\n", dry_run ? "would abort" : "aborted",
               lake, u.key, FormatIso(u.initiated));
    ++count;
  }
  fmt::print("{} unfinished upload{} older than {} in {}\n", count, count == 1 ? "" : "s",
             FormatDuration(older_than), lake);
  return kExitOk;
}

// Removes what killed writes left in the lake: temporaries whose writer is gone, or in an S3
// lake, unfinished multipart uploads.
Result<int> FsckCmd(CliState& state, const std::string& older_than, bool dry_run) {
  Config config = TRY(LoadConfig());
  Duration age = TRY_CONTEXT(ParseDuration(older_than), "--older-than");
  if (config.lake.starts_with("s3://")) return FsckS3(state, config.lake, age, dry_run);
  // Nothing a killed writer leaves there can be listed or outlives a week.
  if (config.lake.starts_with("gs://")) {
    fmt::print(
        "nothing to sweep in {}: an unfinished resumable upload is invisible and GCS "
        "drops it a week after it began\n",
        config.lake);
    return kExitOk;
  }
  if (config.lake.starts_with("az://")) {
    fmt::print(
        "nothing to sweep in {}: uncommitted blocks are invisible and Azure discards "
        "them within a week\n",
        config.lake);
    return kExitOk;
  }
  if (!config.lake.starts_with("file://")) {
    return Err(ErrorCode::kFailedPrecondition,
               "weir lake fsck checks a local (file://) or cloud (s3://, gs://, az://) lake, not "
               "{}",
               config.lake);
  }
  std::string root = config.lake.substr(std::string_view("file://").size());
  std::vector<std::string> stale = RemoveStaleTemporaries(root, true, dry_run);
  for (const auto& path : stale) fmt::print("{} {}\n", dry_run ? "would remove" : "removed", path);
  fmt::print("{} stale temporar{} of killed writes in {}\n", stale.size(),
             stale.size() == 1 ? "y" : "ies", root);
  return kExitOk;
}

}  // namespace

void AddLakeCommands(CLI::App& app, CliState& state) {
  static std::string arg;
  auto* lake = app.add_subcommand("lake", "The lake catalog: objects, datasets, schema history");
  lake->require_subcommand(1);

  auto* ls = lake->add_subcommand(
      "ls", "List datasets, or the current objects under PREFIX (lake://... or a key prefix)");
  ls->add_option("prefix", arg, "A URI prefix; raw/yellow means lake://raw/yellow");
  AddOutputOption(ls, state);
  ls->callback([&state] { state.Run([&] { return ListObjectsCmd(state, arg); }); });

  auto* show = lake->add_subcommand("show", "Everything the catalog knows about an object");
  show->add_option("uri", arg, "The object's URI (lake://... or file://...)")->required();
  AddOutputOption(show, state);
  show->callback([&state] { state.Run([&] { return ShowCmd(state, arg); }); });

  auto* schema = lake->add_subcommand(
      "schema", "A dataset's schema history, with what changed between versions");
  schema->add_option("dataset", arg, "The dataset, e.g. raw/yellow_tripdata")->required();
  AddOutputOption(schema, state);
  schema->callback([&state] { state.Run([&] { return SchemaCmd(state, arg); }); });

  auto* history = lake->add_subcommand("history", "Every version weir wrote of an object");
  history->add_option("uri", arg, "The object's URI")->required();
  AddOutputOption(history, state);
  history->callback([&state] { state.Run([&] { return HistoryCmd(state, arg); }); });

  static bool dry_run = false;
  static std::string older_than = "24h";
  auto* fsck = lake->add_subcommand(
      "fsck", "Remove what killed writes left in the lake (temporary files, S3 uploads)");
  fsck->add_flag("--dry-run", dry_run, "Only print what would be removed");
  fsck->add_option("--older-than", older_than,
                   "S3 lakes: abort unfinished uploads begun longer ago than this (default 24h)");
  fsck->callback([&state] { state.Run([&] { return FsckCmd(state, older_than, dry_run); }); });
}

}  // namespace weir
