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

}  // namespace weir
