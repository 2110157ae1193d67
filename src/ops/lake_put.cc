#include "ops/lake_put.h"

#include <fnmatch.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>

#include "duck/file_facts.h"
#include "lake/azure/azure_store.h"
#include "lake/catalog.h"
#include "lake/cloud_common.h"
#include "lake/gcs/google_connection.h"
#include "lake/object_store.h"
#include "ops/args.h"
#include "store/open.h"

namespace weir {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kLake = "lake://", kFile = "file://";

// Where a target URI points: the store, the key in it, the dataset it belongs to, and the
// connection that reaches the store.
struct Target {
  std::string store_uri;
  std::string key;
  std::string dataset;
  std::string conn_id;
};

// The connections a target in a bucket may use, by scheme.
struct TargetConnections {
  std::string aws;
  std::string gcp;
  std::string wasb;
};

Result<Target> ResolveTarget(const std::string& target, const TargetConnections& conns,
                             const NativeContext& ctx) {
  if (target.rfind(kLake, 0) == 0) {
    if (ctx.lake_uri.empty()) {
      return Err(ErrorCode::kFailedPrecondition, "lake_put: no default lake is configured");
    }
    std::string key = target.substr(kLake.size());
    TRY_CONTEXT(ValidateKey(key), "lake_put: target " + target);
    return Target{ctx.lake_uri, key, DatasetOf(key), ctx.lake_conn_id};
  }
  for (auto [scheme, conn_id] : {std::pair{"s3://", &conns.aws}, std::pair{"gs://", &conns.gcp},
                                 std::pair{"az://", &conns.wasb}}) {
    if (!target.starts_with(scheme)) continue;
    // scheme://bucket/key: the bucket is the store, the rest the key.
    std::string rest = target.substr(std::string_view(scheme).size());
    size_t slash = rest.find('/');
    if (slash == 0 || slash == std::string::npos || slash + 1 == rest.size()) {
      return Err(ErrorCode::kInvalidArgument, "lake_put: target '{}' must be {}bucket/path/to/file",
                 target, scheme);
    }
    std::string key = rest.substr(slash + 1);
    TRY_CONTEXT(ValidateKey(key), "lake_put: target " + target);
    std::string bucket = scheme + rest.substr(0, slash);
    return Target{bucket, key, bucket + "/" + DatasetOf(key), *conn_id};
  }
  if (target.rfind(kFile, 0) == 0) {
    fs::path path(target.substr(kFile.size()));
    if (!path.is_absolute() || !path.has_filename()) {
      return Err(ErrorCode::kInvalidArgument,
                 "lake_put: target '{}' must be file:///absolute/path/to/file", target);
    }
    std::string dataset = DatasetOf(path.relative_path().string());
    return Target{std::string(kFile) + path.parent_path().string(), path.filename().string(),
                  std::string(kFile) + "/" + dataset, ""};
  }
  return Err(ErrorCode::kInvalidArgument,
             "lake_put: target '{}' must start with lake://, file://, s3://, gs:// or az://",
             target);
}

// The lineage http_download leaves beside a file (and csv_to_parquet carries along).
Json ReadSourceSidecar(const std::string& input) {
  std::ifstream in(input + ".weir-source.json");
  if (!in) return Json::object();
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = ParseJson(text.str(), input + ".weir-source.json");
  return parsed && parsed->is_object() ? *parsed : Json::object();
}

// The input's schema and rows. A Parquet file that does not read as Parquet is refused (it
// would poison every query over its dataset); a CSV that DuckDB cannot sniff is published
// without a schema, with a note in the log.
Result<FileFacts> InputFacts(const std::string& input, const std::string& target,
                             const NativeContext& ctx) {
  std::string format = TabularFormatOf(target);
  if (format.empty()) return FileFacts{};
  auto facts = ReadFileFacts(input, ctx.duck);
  if (facts) return facts;
  if (format == "parquet") {
    return Err(ErrorCode::kInvalidArgument,
               "lake_put: {} is not a readable Parquet file, so it was not published: {}", input,
               facts.error().message);
  }
  fmt::print("[weir] note: no schema recorded for {}: {}\n", input, facts.error().message);
  return FileFacts{format, std::nullopt, {}};
}

}  // namespace

LakePutOperator::LakePutOperator() {
  schema_.name = "lake_put";
  schema_.description =
      "Publishes a local file in the lake, atomically, with an end-to-end sha256 check, and "
      "records it in the lake catalog.";
  schema_.args = {
      {"input", ArgType::kString, true, Json(),
       "The local file to publish, or a folder (every file below it) or a glob (/data/*.csv): "
       "then target is a prefix ending in '/'; relative paths are relative to the task's work "
       "folder."},
      {"target", ArgType::kString, true, Json(),
       "Where: lake://<key> in the default lake, file:///absolute/path, s3://bucket/path, "
       "gs://bucket/path or az://container/path."},
      {"aws_conn_id", ArgType::kString, false, Json(std::string(kDefaultAwsConnId)),
       "The aws connection of an s3:// target (as Airflow's S3 operators); when no connection "
       "has this id, AWS's own chain: AWS_* variables, then ~/.aws profiles."},
      {"gcp_conn_id", ArgType::kString, false, Json(std::string(kDefaultGoogleConnId)),
       "The google_cloud_platform connection of a gs:// target (as Airflow's GCS operators); "
       "when no connection has this id, GOOGLE_APPLICATION_CREDENTIALS, then gcloud's "
       "application-default credentials."},
      {"wasb_conn_id", ArgType::kString, false, Json(std::string(kDefaultAzureConnId)),
       "The azure_blob (wasb) connection of an az:// target (as Airflow's "
       "LocalFilesystemToWasbOperator); when no connection has this id, "
       "AZURE_STORAGE_CONNECTION_STRING, then AZURE_STORAGE_ACCOUNT and AZURE_STORAGE_KEY."},
      {"expected_sha256", ArgType::kString, false, Json(),
       "Fail, publishing nothing, unless the input has this sha256 (hex)."},
      {"schema_policy", ArgType::kString, false, Json("warn"),
       "What a Parquet or CSV file whose schema is none of its dataset's schema versions "
       "does: evolve (record a new version), warn (the same, flagged with a warning) or "
       "freeze (fail before publishing)."},
      {"parallelism", ArgType::kInteger, false, Json(16),
       "With a folder or glob input: how many files go up at once (1 to 64)."},
      {"source_url", ArgType::kString, false, Json(),
       "The URL the file came from, for the catalog; default: what http_download recorded "
       "beside the file."},
  };
}

namespace {

// What every file of one lake_put shares: the catalog (one writer at a time), the policy and
// the options.
struct Publisher {
  const Json& args;
  const NativeContext& ctx;
  SchemaPolicy policy = SchemaPolicy::kWarn;
  PutOptions options{};
  std::unique_ptr<CatalogStore> catalog{};
  std::mutex catalog_mu{};
  bool quiet = false;  // many files: one line each, not the whole story

  // Publishes `input` at `where` in `store` and records it; the XCom of one file.
  Result<Json> Publish(const std::string& input, const std::string& target, const Target& where,
                       ObjectStore& store);
};

Result<Json> Publisher::Publish(const std::string& input, const std::string& target,
                                const Target& where, ObjectStore& store) {
  FileFacts facts = TRY(InputFacts(input, target, ctx));
  if (!facts.columns.empty() && !quiet) {
    fmt::print("[weir] {}: {} rows, {} columns\n", input,
               facts.rows ? std::to_string(*facts.rows) : "?", facts.columns.size());
  }
  // The catalog decides first: under schema_policy freeze a drifting file is refused here,
  // before anything is published.
  Admission admission;
  if (catalog != nullptr) {
    std::lock_guard lock(catalog_mu);
    admission = TRY(AdmitObject(*catalog, where.dataset, facts.columns, policy, target));
    if (admission.drift) fmt::print("[weir] schema drift: {}\n", admission.change);
  }
  if (!quiet) {
    fmt::print("[weir] publishing {} to {}\n", input, target);
    std::fflush(stdout);
  }
  auto started = std::chrono::steady_clock::now();
  ObjectInfo info = TRY_CONTEXT(store.Put(where.key, input, options),
                                quiet ? "lake_put: " + input : std::string("lake_put"));
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!quiet) {
    fmt::print("[weir] published {} bytes in {:.2f}s, sha256 {}\n", info.size, secs, info.sha256);
  }
  Json result = {{"uri", target},     {"size", info.size},        {"sha256", info.sha256},
                 {"etag", info.etag}, {"dataset", where.dataset}, {"format", facts.format}};
  // A local path only where the lake is a folder; a cloud object is its URI.
  if (store.uri().starts_with(kFile)) {
    result["path"] = store.uri().substr(kFile.size()) + "/" + info.key;
  }
  if (facts.rows) result["rows"] = *facts.rows;
  if (!facts.columns.empty()) result["columns"] = ColumnsToJson(facts.columns);
  if (catalog == nullptr) return result;

  Json source = ReadSourceSidecar(input);
  LakeObject record;
  record.uri = target;
  record.store_uri = store.uri();
  record.key = info.key;
  record.dataset = where.dataset;
  record.format = facts.format;
  record.size = info.size;
  record.sha256 = info.sha256;
  record.etag = info.etag;
  record.source_url = TRY(StringArg(args, "lake_put", "source_url"));
  if (record.source_url.empty()) record.source_url = source.value("source_url", "");
  if (record.source_url == source.value("source_url", "")) {
    record.source_etag = source.value("etag", "");
    record.source_last_modified = source.value("last_modified", "");
  }
  record.rows = facts.rows;
  record.columns = ColumnsToJson(facts.columns);
  record.warning = admission.warning;
  record.dag_id = ctx.dag_id;
  record.run_id = ctx.run_id;
  record.task_id = ctx.task_id;
  record.try_number = ctx.try_number;
  std::lock_guard lock(catalog_mu);
  LakeObject recorded = TRY_CONTEXT(RecordObject(*catalog, std::move(record), policy),
                                    "lake_put: published " + target + " but recording it failed");
  if (!admission.warning.empty()) fmt::print("[weir] warning: {}\n", admission.warning);
  if (!quiet) {
    fmt::print("[weir] catalog: {} in dataset {} (schema version {})\n", target, where.dataset,
               recorded.schema_version);
  }
  result["schema_version"] = recorded.schema_version;
  if (!admission.warning.empty()) result["warning"] = admission.warning;
  if (!recorded.source_url.empty()) result["source_url"] = recorded.source_url;
  return result;
}

// The files of a folder (every regular file below it) or a glob in its last path segment
// (/data/out/*.parquet), sorted, each with its path relative to the folder; nullopt when
// `input` is one file.
Result<std::optional<std::vector<std::pair<std::string, std::string>>>> ManyInputs(
    const std::string& input) {
  std::error_code ec;
  fs::path path(input);
  std::string pattern;
  fs::path folder = path;
  if (path.filename().string().find_first_of("*?[") != std::string::npos) {
    pattern = path.filename().string();
    folder = path.parent_path();
  } else if (!fs::is_directory(path, ec)) {
    return std::nullopt;
  }
  if (!fs::is_directory(folder, ec)) {
    return Err(ErrorCode::kNotFound, "lake_put: input folder {} does not exist", folder.string());
  }
  std::vector<std::pair<std::string, std::string>> files;
  auto add = [&](const fs::directory_entry& e) {
    if (!e.is_regular_file(ec) || e.path().string().ends_with(".weir-source.json")) return;
    std::string name = e.path().filename().string();
    if (!pattern.empty() && fnmatch(pattern.c_str(), name.c_str(), FNM_PERIOD) != 0) return;
    files.emplace_back(e.path().string(), fs::relative(e.path(), folder, ec).generic_string());
  };
  if (pattern.empty()) {
    for (fs::recursive_directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
      add(*it);
    }
  } else {
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) add(*it);
  }
  if (ec) return Err(ErrorCode::kIo, "lake_put: listing {}: {}", folder.string(), ec.message());
  std::ranges::sort(files);
  return files;
}

// Publishes many files under the prefix `target` (ending in '/'), `parallelism` at a time.
// One file failing does not stop the others; the task fails at the end, naming them, with
// every other file published and recorded.
Result<Json> PublishMany(Publisher& pub,
                         const std::vector<std::pair<std::string, std::string>>& files,
                         const std::string& input, const std::string& target,
                         const TargetConnections& conns, int64_t parallelism) {
  if (!target.ends_with('/')) {
    return Err(ErrorCode::kInvalidArgument,
               "lake_put: input {} is {} files; target must be a prefix ending in '/' (got {})",
               input, files.size(), target);
  }
  if (files.empty()) {
    return Err(ErrorCode::kNotFound,
               "lake_put: input {} matches no files, so nothing was published", input);
  }
  std::vector<Target> wheres;
  wheres.reserve(files.size());
  for (const auto& [path, rel] : files) {
    wheres.push_back(TRY(ResolveTarget(target + rel, conns, pub.ctx)));
  }
  // One store per folder: file:// targets in sub-folders are stores of their own.
  std::map<std::string, std::unique_ptr<ObjectStore>> stores;
  for (const Target& w : wheres) {
    if (stores.contains(w.store_uri)) continue;
    stores[w.store_uri] = TRY(OpenObjectStore(w.store_uri, {w.conn_id, pub.ctx.find_connection}));
  }
  fmt::print("[weir] publishing {} files from {} to {}, {} at a time\n", files.size(), input,
             target, parallelism);
  std::fflush(stdout);
  pub.quiet = true;
  std::vector<Result<Json>> results(files.size(), Json());
  auto started = std::chrono::steady_clock::now();
  TRY(ForEachInParallel(static_cast<int>(files.size()), static_cast<int>(parallelism),
                        [&](int i) -> Status {
                          results[i] = pub.Publish(files[i].first, target + files[i].second,
                                                   wheres[i], *stores.at(wheres[i].store_uri));
                          return {};
                        }));
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  int64_t bytes = 0;
  Json objects = Json::array();
  std::vector<std::string> failures;
  for (size_t i = 0; i < results.size(); ++i) {
    if (!results[i]) {
      failures.push_back(results[i].error().message);
      continue;
    }
    bytes += (*results[i])["size"].get<int64_t>();
    if (objects.size() < 100) {
      objects.push_back({{"uri", (*results[i])["uri"]},
                         {"size", (*results[i])["size"]},
                         {"sha256", (*results[i])["sha256"]}});
    }
  }
  int64_t published = static_cast<int64_t>(files.size() - failures.size());
  fmt::print("[weir] published {} of {} files, {} bytes in {:.2f}s\n", published, files.size(),
             bytes, secs);
  if (!failures.empty()) {
    std::string shown;
    for (size_t i = 0; i < failures.size() && i < 5; ++i) shown += "\n  " + failures[i];
    return Err(ErrorCode::kIo, "lake_put: {} of {} files failed (the other {} were published):{}",
               failures.size(), files.size(), published, shown);
  }
  return Json{{"uri", target},
              {"files", published},
              {"size", bytes},
              {"objects", objects},
              {"truncated", published > static_cast<int64_t>(objects.size())}};
}

}  // namespace

Result<Json> LakePutOperator::Run(const Json& args, const NativeContext& ctx) const {
  std::string input = TRY(StringArg(args, "lake_put", "input"));
  std::string target = TRY(StringArg(args, "lake_put", "target"));
  Publisher pub{.args = args, .ctx = ctx};
  pub.options.expected_sha256 = TRY(StringArg(args, "lake_put", "expected_sha256"));
  pub.policy = TRY_CONTEXT(
      ParseSchemaPolicy(TRY(StringArg(args, "lake_put", "schema_policy", "warn"))), "lake_put");
  int64_t parallelism = TRY(IntArg(args, "lake_put", "parallelism", 16));
  if (parallelism < 1 || parallelism > 64) {
    return Err(ErrorCode::kInvalidArgument, "lake_put: parallelism must be 1 to 64, got {}",
               parallelism);
  }
  input = InWorkDir(input, ctx);
  TargetConnections conns{
      TRY(StringArg(args, "lake_put", "aws_conn_id", std::string(kDefaultAwsConnId))),
      TRY(StringArg(args, "lake_put", "gcp_conn_id", std::string(kDefaultGoogleConnId))),
      TRY(StringArg(args, "lake_put", "wasb_conn_id", std::string(kDefaultAzureConnId)))};
  auto many = TRY(ManyInputs(input));
  if (many && !pub.options.expected_sha256.empty()) {
    return Err(ErrorCode::kInvalidArgument,
               "lake_put: expected_sha256 checks one file, and input {} is a folder or a glob",
               input);
  }
  // Targets are checked before the catalog is opened or anything is read.
  std::optional<Target> one;
  if (!many) one = TRY(ResolveTarget(target, conns, ctx));
  if (!ctx.database_url.empty()) {
    pub.catalog = TRY_CONTEXT(OpenMetadataStore(ctx.database_url), "lake_put: opening the catalog");
  }
  if (many) return PublishMany(pub, *many, input, target, conns, parallelism);
  auto store = TRY(OpenObjectStore(one->store_uri, {one->conn_id, ctx.find_connection}));
  return pub.Publish(input, target, *one, *store);
}

}  // namespace weir
