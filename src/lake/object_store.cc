#include "lake/object_store.h"

#include <cctype>

#include "base/hash.h"
#include "base/strings.h"
#include "base/url.h"
#include "lake/azure/azure_store.h"
#include "lake/file/file_store.h"
#include "lake/gcs/gcs_store.h"
#include "lake/gcs/google_connection.h"
#include "lake/s3/s3_store.h"

namespace weir {

Status ValidateKey(const std::string& key) {
  auto bad = [&](std::string_view why) {
    return Err(ErrorCode::kInvalidArgument,
               "bad object key '{}': {}; a key is a relative path such as "
               "raw/yellow_tripdata/year=2021/month=01/data.parquet",
               key, why);
  };
  if (key.empty()) return bad("it is empty");
  if (key.front() == '/') return bad("it starts with '/'");
  for (const auto& segment : Split(key, '/')) {
    if (segment.empty()) return bad("it has an empty segment");
    if (segment == "." || segment == "..") return bad("it has a '.' or '..' segment");
  }
  if (key.find('\0') != std::string::npos) return bad("it has a NUL byte");
  return {};
}

Result<BucketPath> ParseBucketUri(const std::string& uri, std::string_view scheme) {
  std::string start = std::string(scheme) + "://";
  if (!uri.starts_with(start)) {
    return Err(ErrorCode::kInvalidArgument, "'{}' is not a {}bucket/prefix URI", uri, start);
  }
  std::string rest = uri.substr(start.size());
  BucketPath out;
  size_t slash = rest.find('/');
  out.bucket = rest.substr(0, slash);
  out.prefix = slash == std::string::npos ? "" : rest.substr(slash + 1);
  if (!out.prefix.empty() && !out.prefix.ends_with('/')) out.prefix += '/';
  if (out.bucket.empty()) {
    return Err(ErrorCode::kInvalidArgument, "'{}' names no bucket: {}bucket/prefix", uri, start);
  }
  if (!out.prefix.empty()) TRY(ValidateKey(out.prefix.substr(0, out.prefix.size() - 1)));
  return out;
}

namespace {}  // namespace

std::string Md5OfEtag(std::string_view etag) {
  if (etag.size() != 32) return "";
  std::string out;
  for (char c : etag) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return "";
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string Md5OfBase64(std::string_view base64) {
  auto bytes = Base64Decode(base64);
  return bytes && bytes->size() == 16 ? HexOf(*bytes) : std::string();
}

Result<Connection> ConnectionFor(const LakeAccess& access, std::string_view fallback_id) {
  std::string conn_id = access.conn_id.empty() ? std::string(fallback_id) : access.conn_id;
  Connection conn;
  if (access.find_connection) {
    auto found = access.find_connection(conn_id);
    if (found) {
      conn = std::move(*found);
    } else if (found.error().code != ErrorCode::kNotFound) {
      return std::unexpected(found.error());
    }
  }
  if (conn.conn_id.empty()) conn.conn_id = conn_id;
  return conn;
}

Result<std::unique_ptr<ObjectStore>> OpenObjectStore(const std::string& uri,
                                                     const LakeAccess& access) {
  constexpr std::string_view kFile = "file://";
  if (uri.rfind(kFile, 0) == 0) {
    std::string path = uri.substr(kFile.size());
    if (path.empty() || path.front() != '/') {
      return Err(ErrorCode::kInvalidArgument,
                 "lake URI '{}' needs an absolute path: file:///absolute/path", uri);
    }
    auto store = TRY(FileObjectStore::Open(path));
    return std::unique_ptr<ObjectStore>(std::move(store));
  }
  if (uri.starts_with("s3://")) {
    Connection conn = TRY(ConnectionFor(access, kDefaultAwsConnId));
    S3Location loc = TRY_CONTEXT(S3LocationOf(uri, conn), "lake " + uri);
    return std::unique_ptr<ObjectStore>(std::make_unique<S3ObjectStore>(std::move(loc)));
  }
  if (uri.starts_with("gs://")) {
    Connection conn = TRY(ConnectionFor(access, kDefaultGoogleConnId));
    GcsLocation loc = TRY_CONTEXT(GcsLocationOf(uri, conn), "lake " + uri);
    return std::unique_ptr<ObjectStore>(std::make_unique<GcsObjectStore>(std::move(loc)));
  }
  if (uri.starts_with("az://")) {
    Connection conn = TRY(ConnectionFor(access, kDefaultAzureConnId));
    AzureLocation loc = TRY_CONTEXT(AzureLocationOf(uri, conn), "lake " + uri);
    return std::unique_ptr<ObjectStore>(std::make_unique<AzureObjectStore>(std::move(loc)));
  }
  return Err(ErrorCode::kInvalidArgument,
             "unsupported lake URI '{}': use file:///absolute/path, s3://bucket/prefix, "
             "gs://bucket/prefix or az://container/prefix",
             uri);
}

Result<std::string> LocalPathOf(const std::string& uri, const std::string& lake_uri) {
  constexpr std::string_view kLake = "lake://", kFile = "file://";
  if (uri.rfind(kLake, 0) == 0) {
    if (lake_uri.rfind(kFile, 0) != 0) {
      return Err(ErrorCode::kInvalidArgument,
                 "{} is in the lake {}, whose objects are not local files", uri, lake_uri);
    }
    std::string key = uri.substr(kLake.size());
    std::string check = key;
    while (!check.empty() && check.back() == '/') check.pop_back();
    if (!check.empty()) TRY_CONTEXT(ValidateKey(check), uri);
    return lake_uri.substr(kFile.size()) + "/" + key;
  }
  if (uri.rfind(kFile, 0) == 0 && uri.size() > kFile.size() && uri[kFile.size()] == '/') {
    return uri.substr(kFile.size());
  }
  return Err(ErrorCode::kInvalidArgument,
             "'{}' must be lake://<key> or file:///absolute/path: objects in s3://, gs:// and "
             "az:// lakes are not local files",
             uri);
}

Result<std::string> InDefaultLake(const std::string& uri, const std::string& lake_uri) {
  if (!uri.starts_with("lake://")) return uri;
  if (lake_uri.empty()) {
    return Err(ErrorCode::kFailedPrecondition, "{} needs a default lake (the setting lake)", uri);
  }
  std::string base = lake_uri;
  while (base.ends_with('/')) base.pop_back();
  return base + "/" + uri.substr(7);
}

}  // namespace weir
