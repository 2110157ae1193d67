#include "lake/duck_cloud.h"

#include <set>

#include "base/hash.h"
#include "base/json.h"
#include "base/secret_masker.h"
#include "base/url.h"
#include "duck/duck_extension.h"
#include "lake/azure/azure_store.h"
#include "lake/gcs/google_connection.h"
#include "lake/s3/s3_store.h"

namespace weir {

namespace {

constexpr std::string_view kLake = "lake://";

// "https://host:port/path" -> {"host:port", true}: DuckDB takes an endpoint without its scheme.
std::pair<std::string, bool> EndpointHost(std::string_view endpoint) {
  bool ssl = !endpoint.starts_with("http://");
  size_t start = endpoint.find("://");
  std::string_view host = start == std::string_view::npos ? endpoint : endpoint.substr(start + 3);
  while (host.ends_with('/')) host.remove_suffix(1);
  return {std::string(host), ssl};
}

// ", NAME 'value'" for a secret's option list; nothing when value is empty.
std::string Option(std::string_view name, const std::string& value) {
  return value.empty() ? std::string() : fmt::format(", {} {}", name, DuckString(value));
}

Result<std::string> S3Secret(const std::string& name, const std::string& uri,
                             const Connection& conn) {
  S3Location loc = TRY(S3LocationOf(CloudBucketOf(uri), conn));
  auto [host, ssl] = EndpointHost(loc.endpoint);
  return fmt::format(
      "CREATE OR REPLACE TEMPORARY SECRET {} (TYPE s3{}{}{}{}{}, URL_STYLE '{}', USE_SSL {}, "
      "SCOPE {})",
      name, Option("KEY_ID", loc.credentials.access_key_id),
      Option("SECRET", loc.credentials.secret_access_key),
      Option("SESSION_TOKEN", loc.credentials.session_token), Option("REGION", loc.region),
      Option("ENDPOINT", host), loc.path_style ? "path" : "vhost", ssl,
      DuckString(CloudBucketOf(uri)));
}

Result<std::string> GcsSecret(const std::string& name, const std::string& uri,
                              const Connection& conn) {
  std::string key_id = GoogleExtra(conn, "hmac_key_id");
  std::string secret = GoogleExtra(conn, "hmac_secret");
  if (key_id.empty() || secret.empty()) {
    return Err(ErrorCode::kFailedPrecondition,
               "DuckDB reads {} only with an HMAC key (it reaches Cloud Storage through its "
               "S3-compatible API, which takes no service-account key): make one in Cloud Storage "
               "> Settings > Interoperability and add hmac_key_id and hmac_secret to the extra of "
               "connection {}, or make the table in BigQuery (warehouse: bigquery)",
               uri, conn.conn_id);
  }
  std::string endpoint = TRY(GoogleEndpointOf(conn, "endpoint_url", "STORAGE_EMULATOR_HOST"));
  std::string options;
  if (!endpoint.empty()) {
    auto [host, ssl] = EndpointHost(endpoint);
    options = fmt::format("{}, URL_STYLE 'path', USE_SSL {}", Option("ENDPOINT", host), ssl);
  }
  return fmt::format("CREATE OR REPLACE TEMPORARY SECRET {} (TYPE gcs{}{}{}, SCOPE {})", name,
                     Option("KEY_ID", key_id), Option("SECRET", secret), options,
                     DuckString(CloudBucketOf(uri)));
}

Result<std::string> AzureSecret(const std::string& name, const std::string& uri,
                                const Connection& conn) {
  AzureLocation loc = TRY(AzureLocationOf(CloudBucketOf(uri), conn));
  std::string text = fmt::format("DefaultEndpointsProtocol={};AccountName={};BlobEndpoint={}",
                                 loc.endpoint.starts_with("http://") ? "http" : "https",
                                 loc.account, loc.endpoint);
  if (!loc.key.empty()) text += ";AccountKey=" + Base64Encode(loc.key);
  if (!loc.sas_token.empty()) text += ";SharedAccessSignature=" + loc.sas_token;
  return fmt::format(
      "CREATE OR REPLACE TEMPORARY SECRET {} (TYPE azure, CONNECTION_STRING {}, "
      "SCOPE {})",
      name, DuckString(text), DuckString(CloudBucketOf(uri)));
}

// The values a secret statement holds that no output may show.
std::vector<std::string> SecretValues(const std::string& uri, const Connection& conn) {
  std::vector<std::string> out = ConnectionSecrets(conn);
  if (uri.starts_with("s3://")) {
    if (auto loc = S3LocationOf(CloudBucketOf(uri), conn)) {
      out.push_back(loc->credentials.secret_access_key);
      out.push_back(loc->credentials.session_token);
    }
  } else if (uri.starts_with("az://")) {
    if (auto loc = AzureLocationOf(CloudBucketOf(uri), conn)) {
      out.push_back(Base64Encode(loc->key));
      out.push_back(loc->sas_token);
    }
  }
  std::erase(out, std::string());
  return out;
}

}  // namespace

bool IsCloudUri(std::string_view uri) {
  return uri.starts_with("s3://") || uri.starts_with("gs://") || uri.starts_with("az://");
}

std::string CloudBucketOf(std::string_view uri) {
  size_t start = uri.find("://");
  if (start == std::string_view::npos) return std::string(uri);
  size_t slash = uri.find('/', start + 3);
  return std::string(uri.substr(0, slash)) + "/";
}

Result<std::string> DuckPathOf(const std::string& uri, const std::string& lake_uri) {
  if (uri.starts_with(kLake) && IsCloudUri(lake_uri)) {
    std::string key = uri.substr(kLake.size());
    std::string check = key;
    while (!check.empty() && check.back() == '/') check.pop_back();
    if (!check.empty()) TRY_CONTEXT(ValidateKey(check), uri);
    std::string base = lake_uri;
    while (base.ends_with('/')) base.pop_back();
    return base + "/" + key;
  }
  if (IsCloudUri(uri)) {
    TRY(ParseBucketUri(CloudBucketOf(uri), uri.substr(0, 2)));
    return uri;
  }
  return LocalPathOf(uri, lake_uri);
}

Result<std::string> DuckSecretSql(const std::string& name, const std::string& uri,
                                  const Connection& conn) {
  if (uri.starts_with("s3://")) return S3Secret(name, uri, conn);
  if (uri.starts_with("gs://")) return GcsSecret(name, uri, conn);
  if (uri.starts_with("az://")) return AzureSecret(name, uri, conn);
  return Err(ErrorCode::kInvalidArgument, "{} is not in a cloud store (s3://, gs://, az://)", uri);
}

Status PrepareCloudReads(DuckConnection& con, const std::string& extension_directory,
                         const std::vector<CloudRead>& reads) {
  std::set<std::string> loaded;
  for (const CloudRead& read : reads) {
    std::string_view extension = read.uri.starts_with("az://") ? "azure" : "httpfs";
    if (loaded.insert(std::string(extension)).second) {
      auto ready = LoadDuckExtension(con, extension, extension_directory, "reading " + read.uri);
      if (!ready && read.uri.starts_with("gs://")) {
        return Err(ready.error().code, "{}; or make the table in BigQuery (warehouse: bigquery)",
                   ready.error().message);
      }
      TRY(ready);
    }
    std::string_view fallback = read.uri.starts_with("s3://")   ? kDefaultAwsConnId
                                : read.uri.starts_with("gs://") ? kDefaultGoogleConnId
                                                                : kDefaultAzureConnId;
    Connection conn = TRY(ConnectionFor(read.access, fallback));
    // One secret per bucket and connection, whoever asks for it again.
    std::string name =
        "weir_" + Sha256Hex(CloudBucketOf(read.uri) + "\n" + conn.conn_id).substr(0, 16);
    std::string sql = TRY_CONTEXT(DuckSecretSql(name, read.uri, conn), "reading " + read.uri);
    auto made = con.Execute(sql, "DuckDB");
    if (!made) {
      SecretMasker masker(SecretValues(read.uri, conn));
      return Err(ErrorCode::kFailedPrecondition,
                 "reading {}: DuckDB refused the credentials of connection {}: {}", read.uri,
                 conn.conn_id, masker.Mask(made.error().message));
    }
  }
  return {};
}

std::string CloudViewComment(const CloudRead& read) {
  return Json{{"weir_cloud_read", {{"uri", read.uri}, {"conn_id", read.access.conn_id}}}}.dump();
}

std::function<Result<std::vector<std::string>>(DuckConnection&)> WarehouseReadsPrepare(
    const std::string& lake_uri, const LakeAccess& lake_access,
    const std::string& extension_directory, const std::shared_ptr<std::string>& problem) {
  return [=](DuckConnection& con) -> Result<std::vector<std::string>> {
    std::vector<std::pair<CloudRead, std::string>> reads;  // and the prefix it opens
    if (IsCloudUri(lake_uri)) {
      std::string prefix = lake_uri;
      while (prefix.ends_with('/')) prefix.pop_back();
      reads.emplace_back(CloudRead{lake_uri, lake_access}, prefix + "/");
    }
    auto views =
        con.Query("SELECT comment FROM duckdb_views() WHERE comment LIKE '{\"weir_cloud_read\"%'");
    for (const auto& row : views ? views->rows : decltype(views->rows){}) {
      auto parsed = ParseJson(row.at(0).value_or(""), "view comment");
      if (!parsed || !(*parsed)["weir_cloud_read"].is_object()) continue;
      const Json& r = (*parsed)["weir_cloud_read"];
      std::string uri = r.value("uri", "");
      if (!IsCloudUri(uri)) continue;
      reads.emplace_back(CloudRead{uri, {r.value("conn_id", ""), lake_access.find_connection}},
                         CloudBucketOf(uri));
    }
    std::vector<std::string> allowed;
    std::set<std::string> done;
    for (const auto& [read, prefix] : reads) {
      if (!done.insert(CloudBucketOf(read.uri) + "\n" + read.access.conn_id).second) continue;
      auto ready = PrepareCloudReads(con, extension_directory, {read});
      if (!ready && problem->empty()) *problem = ready.error().message;
      allowed.push_back(prefix);
    }
    return allowed;
  };
}

Error WithCloudProblem(Error error, const std::string& problem) {
  if (!problem.empty()) error.message += "; and DuckDB cannot read cloud files: " + problem;
  return error;
}

}  // namespace weir
