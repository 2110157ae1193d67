#pragma once

#include <memory>
#include <string>

#include "lake/object_store.h"

namespace weir {

// A lake in a local folder: an object is a file at <root>/<key>. A put streams the source
// into a temporary file beside the target (".weir-tmp-*", invisible to List), hashing it,
// fsyncs it, hashes it again from disk, and renames it over the target (atomic on POSIX),
// then fsyncs the folder. The etag is the sha256 when known, else size and mtime.
class FileObjectStore final : public ObjectStore {
 public:
  static Result<std::unique_ptr<FileObjectStore>> Open(const std::string& root);

  std::string uri() const override { return "file://" + root_; }
  Result<ObjectInfo> Put(const std::string& key, const std::string& source,
                         const PutOptions& options) override;
  Status Get(const std::string& key, const std::string& dest) override;
  Result<std::optional<ObjectInfo>> Head(const std::string& key) override;
  Result<std::vector<ObjectInfo>> List(const std::string& prefix) override;
  Status Delete(const std::string& key) override;
  Result<ObjectInfo> Copy(const std::string& from_key, const std::string& to_key) override;

 private:
  explicit FileObjectStore(std::string root) : root_(std::move(root)) {}
  std::string PathOf(const std::string& key) const { return root_ + "/" + key; }
  std::string root_;
};

// Streams `source` into a temporary file beside `target`, then renames it over `target`
// once its bytes hash the same on disk as they did when read. Returns the sha256. Nothing
// is left at `target` (or beside it) on failure. Shared by puts, gets and copies.
Result<std::string> PublishFile(const std::string& source, const std::string& target,
                                const std::string& expected_sha256);

}  // namespace weir
