#include "ops/transfer.h"

#include <filesystem>
#include <mutex>

#include "duck/file_facts.h"
#include "exec/executor.h"
#include "lake/catalog.h"
#include "store/open.h"
#include "transfer/run.h"

namespace weir {

namespace fs = std::filesystem;

namespace {

// The catalog's record of an object a transfer wrote, with the source object as its lineage.
// Transfers copy bytes: rows and columns are lake_put's to read, not a copy's.
struct Recorder {
  std::unique_ptr<CatalogStore> catalog;
  std::mutex mu;
  const TransferSpec& spec;
  const NativeContext& ctx;

  Status Record(const TransferItem& item, const ObjectInfo& written,
                const std::string& sink_store_uri) {
    LakeObject r;
    r.uri = spec.sink + item.key;
    if (spec.sink.starts_with("lake://")) {
      // In the default lake: recorded as lake_put records, against the lake itself.
      std::string key = spec.sink.substr(7) + item.key;
      r.store_uri = ctx.lake_uri;
      r.key = key;
      r.dataset = DatasetOf(key);
    } else {
      r.store_uri = sink_store_uri;
      r.key = item.key;
      std::string bucket = spec.sink.substr(0, spec.sink.find('/', spec.sink.find("://") + 3));
      r.dataset = bucket + "/" + DatasetOf(spec.sink.substr(bucket.size() + 1) + item.key);
    }
    r.format = TabularFormatOf(item.key);
    r.size = written.size;
    r.sha256 = written.sha256;
    r.etag = written.etag;
    r.source_url = spec.source + item.key;
    r.source_etag = item.source ? item.source->etag : "";
    if (item.source && item.source->modified != Time{}) {
      r.source_last_modified = FormatIso(item.source->modified);
    }
    r.dag_id = ctx.dag_id;
    r.run_id = ctx.run_id;
    r.task_id = ctx.task_id;
    r.try_number = ctx.try_number;
    std::lock_guard lock(mu);
    TRY(RecordObject(*catalog, std::move(r), SchemaPolicy::kEvolve));
    return {};
  }
};

ArgType TypeOf(const std::string& field) {
  static const std::map<std::string, ArgType> kTypes = {
      {"include_prefixes", ArgType::kList},
      {"exclude_prefixes", ArgType::kList},
      {"overwrite_objects_already_existing_in_sink", ArgType::kBoolean},
      {"delete_objects_unique_in_sink", ArgType::kBoolean},
      {"delete_objects_from_source_after_transfer", ArgType::kBoolean},
      {"dry_run", ArgType::kBoolean},
      {"parallelism", ArgType::kInteger},
      {"max_failures", ArgType::kInteger},
      {"min_time_elapsed_since_last_modification", ArgType::kAny},
      {"max_time_elapsed_since_last_modification", ArgType::kAny},
      {"max_deletes", ArgType::kAny},
      {"bandwidth_limit", ArgType::kAny},
      {"object_conditions", ArgType::kMap},
      {"transfer_options", ArgType::kMap},
  };
  auto it = kTypes.find(field);
  return it == kTypes.end() ? ArgType::kString : it->second;
}

}  // namespace

std::string TransferReportPath(const std::string& logs_folder, const std::string& dag_id,
                               const std::string& run_id, const std::string& task_id,
                               int try_number) {
  std::string log = AttemptLogPath(logs_folder, {dag_id, run_id, task_id, try_number});
  return log.substr(0, log.size() - 4) + ".transfer.jsonl";  // attempt-<n>.log
}

TransferOperator::TransferOperator() {
  schema_.name = "transfer";
  schema_.description =
      "Copies objects between stores (file, lake, S3, GCS, Azure) with the Storage Transfer "
      "Service's options: conditions, overwrite_when, mirroring or moving, a dry run and a "
      "per-object report.";
  for (const std::string& field : TransferSpecFields()) {
    schema_.args.push_back(
        {field, TypeOf(field), field == "sink", Json(), "See docs/transfers.md."});
  }
  schema_.args.push_back({"object_conditions", ArgType::kMap, false, Json(),
                          "The conditions as the Transfer Service nests them."});
  schema_.args.push_back({"transfer_options", ArgType::kMap, false, Json(),
                          "The options as the Transfer Service nests them."});
}

Result<Json> TransferOperator::Run(const Json& args, const NativeContext& ctx) const {
  TransferSpec spec = TRY(ParseTransferSpec(args));
  TransferEnv env;
  env.lake_uri = ctx.lake_uri;
  env.lake_conn_id = ctx.lake_conn_id;
  env.find_connection = ctx.find_connection;
  env.work_dir =
      (fs::path(ctx.work_dir.empty() ? fs::temp_directory_path().string() : ctx.work_dir) /
       ".transfer")
          .string();
  env.start = std::chrono::time_point_cast<Micros>(std::chrono::system_clock::now());
  if (!ctx.logs_folder.empty() && !ctx.dag_id.empty()) {
    env.report_path =
        TransferReportPath(ctx.logs_folder, ctx.dag_id, ctx.run_id, ctx.task_id, ctx.try_number);
  } else {
    env.report_path = (fs::path(env.work_dir).parent_path() / "transfer.jsonl").string();
  }
  Recorder recorder{.catalog = nullptr, .mu = {}, .spec = spec, .ctx = ctx};
  if (!ctx.database_url.empty() && !spec.dry_run) {
    recorder.catalog =
        TRY_CONTEXT(OpenMetadataStore(ctx.database_url), "transfer: opening the catalog");
    env.on_written = [&recorder](const TransferItem& item, const ObjectInfo& written,
                                 const std::string& store) {
      return recorder.Record(item, written, store);
    };
  }
  TransferOutcome out = TRY(RunTransfer(spec, env));
  const TransferCounters& n = out.counters;
  fmt::print(
      "[weir] transfer done: {} copied ({} bytes), {} skipped, {} deleted from the sink, "
      "{} deleted from the source, {} failed; report {}\n",
      n.objects_copied_to_sink, n.bytes_copied_to_sink, n.objects_from_source_skipped_by_sync,
      n.objects_deleted_from_sink, n.objects_deleted_from_source, out.failures, env.report_path);
  Json summary = out.Summary(spec);
  summary["report"] = env.report_path;
  if (out.failures > spec.max_failures) {
    return Err(ErrorCode::kIo,
               "transfer: {} objects failed, more than max_failures {} (first: {}); the others "
               "were copied, and the report {} lists each",
               out.failures, spec.max_failures, out.failed.empty() ? "" : out.failed.front(),
               env.report_path);
  }
  return summary;
}

}  // namespace weir
