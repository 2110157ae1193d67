#include "lake/object_store.h"

#include "base/strings.h"
#include "lake/file/file_store.h"
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
    std::string conn_id = access.conn_id.empty() ? std::string(kDefaultAwsConnId) : access.conn_id;
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
    S3Location loc = TRY_CONTEXT(S3LocationOf(uri, conn), "lake " + uri);
    return std::unique_ptr<ObjectStore>(std::make_unique<S3ObjectStore>(std::move(loc)));
  }
  return Err(ErrorCode::kInvalidArgument,
             "unsupported lake URI '{}': use file:///absolute/path or s3://bucket/prefix (gs:// "
             "and az:// come later)",
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
             "'{}' must be lake://<key> or file:///absolute/path (s3://, gs:// and az:// come "
             "later)",
             uri);
}

}  // namespace weir
