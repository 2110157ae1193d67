#include "lake/object_store.h"

#include "base/strings.h"
#include "lake/file/file_store.h"

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

Result<std::unique_ptr<ObjectStore>> OpenObjectStore(const std::string& uri) {
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
  return Err(ErrorCode::kInvalidArgument,
             "unsupported lake URI '{}': use file:///absolute/path (s3://, gs:// and az:// "
             "come later)",
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
