#include "ops/bigquery_ops.h"

#include <fmt/ranges.h>

#include <random>

#include "base/hash.h"
#include "base/strings.h"
#include "lake/gcs/google_connection.h"
#include "lake/object_store.h"
#include "ops/args.h"
#include "warehouse/bigquery.h"

namespace weir {

namespace {

constexpr std::string_view kTableOp = "external_table", kSqlOp = "sql";

Result<BigQuery> OpenBigQuery(const Json& args, std::string_view op, const NativeContext& ctx,
                              std::string* conn_id) {
  *conn_id = TRY(StringArg(args, op, "gcp_conn_id", std::string(kDefaultGoogleConnId)));
  Connection conn =
      TRY(ConnectionFor(LakeAccess{*conn_id, ctx.find_connection}, kDefaultGoogleConnId));
  BigQueryTarget target =
      TRY(BigQueryTargetOf(conn, fmt::format("{}: BigQuery (connection '{}')", op, *conn_id)));
  std::string project = TRY(StringArg(args, op, "project", ""));
  if (!project.empty()) target.project = project;
  return BigQuery(std::move(target));
}

// weir-dag and weir-task labels (as Airflow's airflow-dag, airflow-task), then the user's.
Result<Json> Labels(const Json& args, std::string_view op, const NativeContext& ctx) {
  Json labels = Json::object();
  if (!ctx.dag_id.empty()) labels["weir-dag"] = BigQueryLabel(ctx.dag_id);
  if (!ctx.task_id.empty()) labels["weir-task"] = BigQueryLabel(ctx.task_id);
  for (const auto& [key, value] : TRY(StringMapArg(args, op, "labels"))) {
    if (key.empty() || BigQueryLabel(key) != key || BigQueryLabel(value) != value ||
        !std::isalpha(static_cast<unsigned char>(key[0]))) {
      return Err(ErrorCode::kInvalidArgument,
                 "{}: label {}: {} is not a BigQuery label: keys start with a lower-case letter, "
                 "keys and values hold lower-case letters, digits, _ and - (at most 63)",
                 op, key, value);
    }
    labels[key] = value;
  }
  return labels;
}

// Where an external table's files are: the URIs BigQuery reads (one '*' each at most), the
// bucket, and the object names weir lists to count them.
struct GcsSource {
  std::string uri;          // gs://bucket/raw/t/*.parquet
  std::string bucket;       // gs://bucket
  std::string before_star;  // raw/t/
  std::string after_star;   // .parquet ("" and has_star false for one object)
  bool has_star = false;
  std::string folder;  // gs://bucket/raw/t: the default source_uri_prefix
};

Result<GcsSource> ResolveSource(const std::string& source, const std::string& format,
                                const NativeContext& ctx) {
  std::string uri = source;
  if (uri.starts_with("lake://")) {
    if (!ctx.lake_uri.starts_with("gs://")) {
      return Err(ErrorCode::kInvalidArgument,
                 "external_table: BigQuery reads files in Google Cloud Storage only, and the "
                 "default lake is {}: give a gs:// source, or set lake: gs://bucket/prefix",
                 ctx.lake_uri.empty() ? "not configured" : ctx.lake_uri);
    }
    uri = TRY(InDefaultLake(uri, ctx.lake_uri));
  }
  if (!uri.starts_with("gs://")) {
    return Err(ErrorCode::kInvalidArgument,
               "external_table: source '{}' must be gs://bucket/path (or lake:// in a gs:// lake): "
               "BigQuery reads files in Google Cloud Storage only",
               source);
  }
  if (uri.ends_with('/')) uri += format == "PARQUET" ? "*.parquet" : "*.csv";
  size_t stars = std::ranges::count(uri, '*');
  if (stars > 1) {
    return Err(ErrorCode::kInvalidArgument,
               "external_table: source '{}' has {} wildcards; BigQuery allows one '*' per URI "
               "(it matches across '/'): gs://bucket/raw/t/*.parquet",
               source, stars);
  }
  size_t slash = uri.find('/', 5);
  if (slash == std::string::npos || slash == 5 || slash + 1 == uri.size()) {
    return Err(ErrorCode::kInvalidArgument,
               "external_table: source '{}' must name a bucket and a path: gs://bucket/raw/t/",
               source);
  }
  GcsSource out;
  out.uri = uri;
  out.bucket = uri.substr(0, slash);
  std::string name = uri.substr(slash + 1);
  size_t star = name.find('*');
  out.has_star = star != std::string::npos;
  out.before_star = out.has_star ? name.substr(0, star) : name;
  out.after_star = out.has_star ? name.substr(star + 1) : "";
  size_t last = out.before_star.rfind('/');
  out.folder = out.bucket + (last == std::string::npos ? "" : "/" + name.substr(0, last));
  return out;
}

// How many objects the source matches (listed through the same connection).
Result<int64_t> CountFiles(const GcsSource& src, const std::string& conn_id,
                           const NativeContext& ctx) {
  auto store = TRY(OpenObjectStore(src.bucket, LakeAccess{conn_id, ctx.find_connection}));
  if (!src.has_star) return TRY(store->Head(src.before_star)).has_value() ? 1 : 0;
  int64_t count = 0;
  for (const ObjectInfo& o : TRY(store->List(src.before_star))) {
    bool match = o.key.size() >= src.before_star.size() + src.after_star.size() &&
                 o.key.starts_with(src.before_star) && o.key.ends_with(src.after_star);
    count += match ? 1 : 0;
  }
  return count;
}

Result<Json> SchemaFields(const Json& args) {
  Json schema = TRY(TypedArg(args, kTableOp, "schema", Json::value_t::array, Json()));
  if (schema.is_null()) return schema;
  Json fields = Json::array();
  for (const Json& f : schema) {
    if (!f.is_object() || !f.contains("name") || !f.contains("type") || !f["name"].is_string() ||
        !f["type"].is_string()) {
      return Err(ErrorCode::kInvalidArgument,
                 "external_table: each field of schema is {{name: ..., type: ...}} (mode and "
                 "description optional), got {}",
                 f.dump());
    }
    Json field{{"name", f["name"]}, {"type", ToUpper(f["type"].get<std::string>())}};
    for (const char* key : {"mode", "description"}) {
      if (f.contains(key) && f[key].is_string()) field[key] = f[key];
    }
    fields.push_back(std::move(field));
  }
  return fields;
}

Result<Json> HiveOptions(const Json& args, const GcsSource& src) {
  if (!TRY(BoolArg(args, kTableOp, "hive_partitioning", true))) return Json();
  std::string mode = ToUpper(TRY(StringArg(args, kTableOp, "hive_partitioning_mode", "AUTO")));
  if (mode != "AUTO" && mode != "STRINGS" && mode != "CUSTOM") {
    return Err(ErrorCode::kInvalidArgument,
               "external_table: hive_partitioning_mode '{}' is not one of AUTO, STRINGS, CUSTOM",
               mode);
  }
  std::string prefix = TRY(StringArg(args, kTableOp, "source_uri_prefix", src.folder));
  if (mode == "CUSTOM" && prefix.find('{') == std::string::npos) {
    return Err(ErrorCode::kInvalidArgument,
               "external_table: hive_partitioning_mode CUSTOM needs source_uri_prefix with the "
               "partition keys and types, e.g. {}/{{year:INTEGER}}/{{month:INTEGER}}",
               src.folder);
  }
  std::string literal = prefix.substr(0, prefix.find('{'));
  if (!src.uri.starts_with(literal)) {
    return Err(ErrorCode::kInvalidArgument,
               "external_table: source_uri_prefix '{}' is not a prefix of the source {}", prefix,
               src.uri);
  }
  return Json{
      {"mode", mode},
      {"sourceUriPrefix", prefix},
      {"requirePartitionFilter", TRY(BoolArg(args, kTableOp, "require_partition_filter", false))}};
}

std::string JobId(const NativeContext& ctx) {
  if (ctx.dag_id.empty()) {
    std::random_device rd;
    return fmt::format("weir_{:08x}{:08x}", rd(), rd());
  }
  // One id per try: an insert retried after a lost answer finds its own job (409), while a
  // new try is a new job.
  auto clean = [](std::string_view s) {
    std::string out = BigQueryLabel(s);
    std::ranges::replace(out, '-', '_');
    return out;
  };
  return fmt::format("weir_{}_{}_{}_{}", clean(ctx.dag_id), clean(ctx.task_id),
                     Sha256Hex(ctx.run_id).substr(0, 12), ctx.try_number);
}

Result<std::string> Disposition(const Json& args, std::string_view name,
                                std::initializer_list<std::string_view> allowed) {
  std::string value = ToUpper(TRY(StringArg(args, kSqlOp, name, "")));
  if (value.empty() || std::ranges::find(allowed, value) != allowed.end()) return value;
  return Err(ErrorCode::kInvalidArgument, "sql: {} '{}' is not one of {}", name, value,
             fmt::join(allowed, ", "));
}

}  // namespace

const std::vector<ArgSpec>& BigQueryExternalTableArgs() {
  static const std::vector<ArgSpec> kArgs = {
      {"gcp_conn_id", ArgType::kString, false, Json(std::string(kDefaultGoogleConnId)),
       "The google_cloud_platform connection: BigQuery's, or (DuckDB) that of a gs:// source, "
       "which needs an HMAC key in its extra (hmac_key_id, hmac_secret)."},
      {"project", ArgType::kString, false, Json(),
       "BigQuery only: the project for a table named dataset.table; default: the "
       "connection's project."},
      {"location", ArgType::kString, false, Json("US"),
       "BigQuery only: where the dataset is created when it is missing (US, EU, "
       "europe-west1, ...)."},
      {"hive_partitioning_mode", ArgType::kString, false, Json("AUTO"),
       "BigQuery only: AUTO (types inferred), STRINGS, or CUSTOM (types in "
       "source_uri_prefix)."},
      {"source_uri_prefix", ArgType::kString, false, Json(),
       "BigQuery only: where partition keys start (default: the source's folder); for CUSTOM "
       "with the keys, gs://bucket/raw/t/{year:INTEGER}/{month:INTEGER}."},
      {"require_partition_filter", ArgType::kBoolean, false, Json(false),
       "BigQuery only: queries must filter on a partition column."},
      {"schema", ArgType::kList, false, Json(),
       "BigQuery only: the columns, [{name, type, mode?}]; default: BigQuery detects them."},
      {"skip_leading_rows", ArgType::kInteger, false, Json(1),
       "BigQuery only, CSV: header rows to skip."},
      {"field_delimiter", ArgType::kString, false, Json(","), "BigQuery only, CSV: the separator."},
      {"labels", ArgType::kMap, false, Json(),
       "BigQuery only: labels on the table (weir-dag and weir-task are added)."},
  };
  return kArgs;
}

const std::vector<ArgSpec>& BigQuerySqlArgs() {
  static const std::vector<ArgSpec> kArgs = {
      {"gcp_conn_id", ArgType::kString, false, Json(std::string(kDefaultGoogleConnId)),
       "conn: bigquery only: the google_cloud_platform connection."},
      {"project", ArgType::kString, false, Json(),
       "conn: bigquery only: the project that runs (and pays for) the job; default: the "
       "connection's project."},
      {"location", ArgType::kString, false, Json(),
       "conn: bigquery only: where the job runs (US, EU, ...); default: where its tables are."},
      {"destination_table", ArgType::kString, false, Json(),
       "conn: bigquery only: project.dataset.table that receives a SELECT's rows."},
      {"write_disposition", ArgType::kString, false, Json(),
       "conn: bigquery only: WRITE_TRUNCATE, WRITE_APPEND or WRITE_EMPTY (BigQuery's default)."},
      {"create_disposition", ArgType::kString, false, Json(),
       "conn: bigquery only: CREATE_IF_NEEDED (BigQuery's default) or CREATE_NEVER."},
      {"dry_run", ArgType::kBoolean, false, Json(false),
       "conn: bigquery only: validate the query and report the bytes it would read, running "
       "nothing."},
      {"use_legacy_sql", ArgType::kBoolean, false, Json(false),
       "conn: bigquery only: legacy SQL instead of GoogleSQL."},
      {"labels", ArgType::kMap, false, Json(),
       "conn: bigquery only: labels on the job (weir-dag and weir-task are added)."},
  };
  return kArgs;
}

Status RefuseBigQueryArgs(const Json& args, std::string_view op,
                          const std::vector<ArgSpec>& specs) {
  for (const ArgSpec& spec : specs) {
    // external_table in DuckDB reads a gs:// source through gcp_conn_id too.
    if (op == kTableOp && spec.name == "gcp_conn_id") continue;
    if (args.is_object() && args.contains(spec.name) && !args[spec.name].is_null()) {
      return Err(ErrorCode::kInvalidArgument,
                 "{}: argument '{}' is for BigQuery only ({}); this task uses the DuckDB "
                 "warehouse",
                 op, spec.name, op == kSqlOp ? "conn: bigquery" : "warehouse: bigquery");
    }
  }
  return {};
}

Result<Json> RunBigQueryExternalTable(const Json& args, const NativeContext& ctx) {
  for (const char* duck_only : {"hive_types", "union_by_name"}) {
    if (args.contains(duck_only)) {
      return Err(ErrorCode::kInvalidArgument,
                 "external_table: {} is for the DuckDB warehouse; with BigQuery give "
                 "hive_partitioning_mode (AUTO infers partition types; CUSTOM takes them from "
                 "source_uri_prefix)",
                 duck_only);
    }
  }
  std::string conn_id;
  BigQuery bq = TRY(OpenBigQuery(args, kTableOp, ctx, &conn_id));
  std::string name = TRY(StringArg(args, kTableOp, "table"));
  BigQueryTableRef ref =
      TRY_CONTEXT(ParseBigQueryTable(name, bq.target().project), "external_table");
  std::string format = ToUpper(TRY(StringArg(args, kTableOp, "format", "parquet")));
  if (format != "PARQUET" && format != "CSV") {
    return Err(ErrorCode::kInvalidArgument,
               "external_table: format '{}' is not one of parquet, csv", ToLower(format));
  }
  GcsSource src = TRY(ResolveSource(TRY(StringArg(args, kTableOp, "source")), format, ctx));
  Json hive = TRY(HiveOptions(args, src));
  Json fields = TRY(SchemaFields(args));
  std::string location = TRY(StringArg(args, kTableOp, "location", "US"));
  Json labels = TRY(Labels(args, kTableOp, ctx));

  int64_t files = TRY_CONTEXT(CountFiles(src, conn_id, ctx), "external_table: listing " + src.uri);
  if (files == 0) {
    return Err(ErrorCode::kNotFound,
               "external_table: no files match {}, so {} was not changed; did the upload task "
               "run?",
               src.uri, ref.ToString());
  }
  bool made_dataset =
      TRY_CONTEXT(bq.EnsureDataset(ref.project, ref.dataset, location), "external_table");
  if (made_dataset) {
    fmt::print("[weir] created dataset {}.{} in {}\n", ref.project, ref.dataset, location);
  }
  Json config{{"sourceUris", Json::array({src.uri})},
              {"sourceFormat", format},
              {"autodetect", fields.is_null()}};
  if (!hive.is_null()) config["hivePartitioningOptions"] = hive;
  if (format == "CSV") {
    config["csvOptions"] = {
        {"skipLeadingRows", std::to_string(TRY(IntArg(args, kTableOp, "skip_leading_rows", 1)))},
        {"fieldDelimiter", TRY(StringArg(args, kTableOp, "field_delimiter", ","))}};
  }
  Json resource{{"tableReference", ref.ToJson()}, {"externalDataConfiguration", config}};
  if (!fields.is_null()) resource["schema"] = {{"fields", fields}};
  if (!labels.empty()) resource["labels"] = labels;
  bool created = false;
  Json table = TRY_CONTEXT(bq.PutTable(ref, resource, &created), "external_table");
  Json columns = Json::array();
  if (table.contains("schema") && table["schema"].contains("fields")) {
    for (const Json& f : table["schema"]["fields"]) {
      columns.push_back({{"name", f.value("name", "")}, {"type", f.value("type", "")}});
    }
  }
  fmt::print("[weir] {} {} in BigQuery: an external table over {} ({} files, {}{}), {} columns\n",
             created ? "created" : "replaced", ref.ToString(), src.uri, files, ToLower(format),
             hive.is_null() ? "" : ", hive partitioning " + hive["mode"].get<std::string>(),
             columns.size());
  return Json{{"table", ref.ToString()}, {"warehouse", "bigquery"},   {"source", src.uri},
              {"files", files},          {"format", ToLower(format)}, {"location", location},
              {"created", created},      {"columns", columns}};
}

Result<Json> RunBigQuerySql(const Json& args, const NativeContext& ctx) {
  std::string sql = TRY(StringArg(args, kSqlOp, "sql"));
  std::string conn_id;
  BigQuery bq = TRY(OpenBigQuery(args, kSqlOp, ctx, &conn_id));
  if (bq.target().project.empty()) {
    return Err(ErrorCode::kInvalidArgument,
               "sql: BigQuery needs a project to run the job in: give project, or set connection "
               "'{}''s extra \"project\"",
               conn_id);
  }
  int64_t max_rows = TRY(IntArg(args, kSqlOp, "max_rows", 100));
  std::string location = TRY(StringArg(args, kSqlOp, "location", ""));
  bool dry_run = TRY(BoolArg(args, kSqlOp, "dry_run", false));
  Json query{{"query", sql}, {"useLegacySql", TRY(BoolArg(args, kSqlOp, "use_legacy_sql", false))}};
  if (std::string dest = TRY(StringArg(args, kSqlOp, "destination_table", "")); !dest.empty()) {
    query["destinationTable"] =
        TRY_CONTEXT(ParseBigQueryTable(dest, bq.target().project), "sql: destination_table")
            .ToJson();
  }
  std::string write = TRY(
      Disposition(args, "write_disposition", {"WRITE_TRUNCATE", "WRITE_APPEND", "WRITE_EMPTY"}));
  if (!write.empty()) query["writeDisposition"] = write;
  std::string create =
      TRY(Disposition(args, "create_disposition", {"CREATE_IF_NEEDED", "CREATE_NEVER"}));
  if (!create.empty()) query["createDisposition"] = create;
  if (args.contains("parameters")) {
    TRY_CONTEXT(SetBigQueryParameters(args["parameters"], query), "sql");
  }
  Json reference{{"projectId", bq.target().project}, {"jobId", JobId(ctx)}};
  if (!location.empty()) reference["location"] = location;
  Json configuration{{"query", query}};
  if (dry_run) configuration["dryRun"] = true;
  Json labels = TRY(Labels(args, kSqlOp, ctx));
  if (!labels.empty()) configuration["labels"] = labels;
  Json job{{"jobReference", reference}, {"configuration", configuration}};

  fmt::print("[weir] BigQuery job {}:{}{}\n", bq.target().project,
             reference["jobId"].get<std::string>(), dry_run ? " (dry run)" : "");
  BigQueryResult result =
      TRY_CONTEXT(bq.RunQuery(job, max_rows,
                              [](const std::string& state) { fmt::print("[weir]   {}\n", state); }),
                  "sql");
  const Json& stats = result.job.value("statistics", Json::object());
  std::string statement = stats.value("query", Json::object()).value("statementType", "");
  int64_t bytes = std::strtoll(stats.value("totalBytesProcessed", "0").c_str(), nullptr, 10);
  fmt::print("[weir] {}{} bytes processed, {} rows\n", statement.empty() ? "" : statement + ": ",
             bytes, result.total_rows);
  for (size_t i = 0; i < result.rows.size() && i < 20; ++i) {
    fmt::print("[weir]   {}\n", result.rows[i].dump());
  }
  const Json& ref = result.job.value("jobReference", Json::object());
  Json out{{"connection", "bigquery"},
           {"job_id", ref.value("jobId", reference["jobId"].get<std::string>())},
           {"location", ref.value("location", location)},
           {"statement_type", statement},
           {"total_bytes_processed", bytes},
           {"dry_run", dry_run},
           {"columns", result.columns},
           {"rows", result.rows},
           {"row_count", result.total_rows},
           {"truncated", result.total_rows > static_cast<int64_t>(result.rows.size())}};
  if (query.contains("destinationTable")) {
    out["destination_table"] =
        TRY(ParseBigQueryTable(TRY(StringArg(args, kSqlOp, "destination_table")),
                               bq.target().project))
            .ToString();
  }
  return out;
}

}  // namespace weir
