#include "ops/connection_check.h"

#include <fmt/format.h>

#include "lake/azure/azure_store.h"
#include "lake/gcs/gcs_store.h"
#include "lake/gcs/google_connection.h"
#include "lake/s3/s3_store.h"
#include "net/http_client.h"
#include "ops/http_download.h"

namespace weir {

namespace {

constexpr std::chrono::seconds kTimeout{15};

Result<std::string> CheckHttp(const Connection& c) {
  HttpRequest req;
  std::string url = "/";
  TRY(ApplyHttpConnection(c, url, req.headers));
  req.url = url;
  req.timeout = kTimeout;
  req.connect_timeout = std::chrono::seconds(10);
  HttpSink sink{nullptr, [](std::string_view) -> Status { return {}; }};
  HttpResponse r = TRY(Fetch(req, sink));
  std::string seen = fmt::format("HTTP {} {} from {}", r.status, r.reason, r.final_url);
  if (r.status >= 400) {
    return Err(r.status == 401 || r.status == 403 ? ErrorCode::kFailedPrecondition
                                                  : ErrorCode::kUnavailable,
               "{}{}", seen,
               r.status == 401 || r.status == 403 ? " (check the login and password)" : "");
  }
  return seen;
}

Result<std::string> CheckAws(const Connection& c) {
  S3Location loc = TRY(S3LocationOf("s3://check", c));
  std::vector<std::string> buckets = TRY(ListBuckets(loc));
  std::string names;
  for (size_t i = 0; i < buckets.size() && i < 10; ++i) names += (i ? ", " : "") + buckets[i];
  if (buckets.size() > 10) names += ", ...";
  return fmt::format("{} bucket{} at {}{}{}", buckets.size(), buckets.size() == 1 ? "" : "s",
                     loc.endpoint, buckets.empty() ? "" : ": ", names);
}

// A token from token_uri proves the key; with a project, its buckets prove the token is
// accepted by Cloud Storage.
Result<std::string> CheckGoogle(const Connection& c) {
  GcsLocation loc = TRY(GcsLocationOf("gs://check", c));
  std::string seen = "no credentials (an emulator)";
  if (loc.tokens) {
    TRY(loc.tokens->Authorization());
    const GoogleCredentials& creds = loc.tokens->credentials();
    seen = fmt::format("a token from {} for {}", creds.token_uri,
                       creds.client_email.empty() ? "the authorized user" : creds.client_email);
  }
  std::string project = GoogleExtra(c, "project");
  if (project.empty()) return seen;
  std::vector<std::string> buckets = TRY(GcsObjectStore(loc).ListBuckets(project));
  std::string names;
  for (size_t i = 0; i < buckets.size() && i < 10; ++i) names += (i ? ", " : "") + buckets[i];
  if (buckets.size() > 10) names += ", ...";
  return fmt::format("{}; {} bucket{} in project {}{}{}", seen, buckets.size(),
                     buckets.size() == 1 ? "" : "s", project, buckets.empty() ? "" : ": ", names);
}

Result<std::string> CheckAzure(const Connection& c) {
  AzureLocation loc = TRY(AzureLocationOf("az://check", c));
  std::vector<std::string> names = TRY(AzureObjectStore(loc).ListContainers());
  std::string shown;
  for (size_t i = 0; i < names.size() && i < 10; ++i) shown += (i ? ", " : "") + names[i];
  if (names.size() > 10) shown += ", ...";
  return fmt::format("{} container{} at {}{}{}", names.size(), names.size() == 1 ? "" : "s",
                     loc.endpoint, names.empty() ? "" : ": ", shown);
}

}  // namespace

Result<std::string> CheckConnection(const Connection& c) {
  if (c.conn_type == "http") return CheckHttp(c);
  if (c.conn_type == "aws") return CheckAws(c);
  if (c.conn_type == "google_cloud_platform") return CheckGoogle(c);
  if (c.conn_type == "azure_blob" || c.conn_type == "wasb") return CheckAzure(c);
  return Err(ErrorCode::kFailedPrecondition,
             "weir has no check for connection type '{}' yet (it checks http, aws, "
             "google_cloud_platform and azure_blob)",
             c.conn_type);
}

}  // namespace weir
