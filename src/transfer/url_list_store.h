#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "lake/object_store.h"
#include "net/retry.h"
#include "transfer/lists.h"

namespace weir {

// The objects of a URL list as a read-only ObjectStore, so that a transfer plans and copies
// them as it does a bucket's. Listings come from the list (size and MD5, no modification
// time); Get fetches the URL (retrying what a later try may not see) and fails, keeping
// nothing, when the bytes are not the size and MD5 the list gives. Put, Delete and Copy are
// refused.
class UrlListStore : public ObjectStore {
 public:
  UrlListStore(std::string list_uri, const std::vector<UrlListEntry>& entries,
               RetryPolicy retry = {});

  std::string uri() const override { return list_uri_; }
  Result<ObjectInfo> Put(const std::string& key, const std::string& source,
                         const PutOptions& options) override;
  Status Get(const std::string& key, const std::string& dest) override;
  Result<std::optional<ObjectInfo>> Head(const std::string& key) override;
  Result<std::vector<ObjectInfo>> List(const std::string& prefix) override;
  Status Delete(const std::string& key) override;
  Result<ObjectInfo> Copy(const std::string& from_key, const std::string& to_key) override;

 private:
  std::string list_uri_;
  std::map<std::string, UrlListEntry> entries_;
  RetryPolicy retry_;
};

}  // namespace weir
