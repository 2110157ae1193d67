#pragma once

#include <memory>
#include <string>
#include <vector>

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

// Removes the temporaries (".weir-tmp-*") that killed puts left in `folder` (and below it
// when recursive): those whose writer process is gone, and those of older weirs (no writer
// in the name) not written for an hour. A put in progress keeps its temporary. Returns the
// paths removed (with dry_run: that would be removed), sorted. Every put runs it on its
// target's folder first; `weir lake fsck` runs it on the whole lake.
std::vector<std::string> RemoveStaleTemporaries(const std::string& folder, bool recursive,
                                                bool dry_run = false);

// Streams `source` into a temporary file beside `target`, then renames it over `target`
// once its bytes hash the same on disk as they did when read. Returns the sha256. Nothing
// is left at `target` (or beside it) on failure. Shared by puts, gets and copies.
Result<std::string> PublishFile(const std::string& source, const std::string& target,
                                const std::string& expected_sha256);

}  // namespace weir
