#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/json.h"
#include "lake/object_store.h"
#include "model/connection.h"
#include "net/google_auth.h"
#include "net/retry.h"

namespace weir {

// Where a GCS lake is and how to reach it.
struct GcsLocation {
  std::string bucket;
  std::string prefix;  // "" or ends with '/': keys are stored as prefix + key
  // The JSON API's origin: Google's, or an emulator's ("http://127.0.0.1:9199").
  std::string endpoint = "https://storage.googleapis.com";
  int list_page_size = 1000;  // objects per list page (GCS's most; tests use fewer)
  // Files up to this size go up in one request (a multipart upload: metadata and bytes);
  // larger ones as a resumable upload in chunks of chunk_size bytes (a multiple of 256 KiB),
  // one request per chunk, so a slow link only slows it down and a cut costs one chunk.
  int64_t single_request_max = int64_t{8} << 20;
  int64_t chunk_size = int64_t{16} << 20;
  RetryPolicy retry;
  std::shared_ptr<GoogleTokenSource> tokens;  // null: no Authorization header (an emulator)
};

// A GCS location from a `google_cloud_platform` connection (google_connection.h says where its
// credentials come from) and a gs://bucket/prefix URI. The extra's `endpoint_url`, else
// STORAGE_EMULATOR_HOST (as Google's client libraries read it), points at another server; an
// emulator without credentials gets none.
Result<GcsLocation> GcsLocationOf(const std::string& uri, const Connection& conn);

// A lake in a Google Cloud Storage bucket, through the JSON API with OAuth 2.0 tokens.
//
// Put hashes the file first (SHA-256, MD5, CRC32C) and sends the MD5 and CRC32C with the
// object's metadata, so GCS refuses bytes changed on the way; the SHA-256 is kept in the
// object's metadata as `sha256`. A small file goes up in one request; a larger one as a
// resumable upload whose chunks are each one request: after a dropped connection or a 5xx,
// weir asks the session how much it holds (a 308 with its Range) and sends the rest from
// there. GCS publishes the object only when the last chunk is in, so a reader never sees a
// part of it, and a failed upload is cancelled. The stored object's size, MD5 and CRC32C are
// then checked against the file's (end to end). Get reads the object's generation first and
// downloads exactly that generation, checking its size, MD5 (or CRC32C for a composite
// object) and sha256 before it renames the file into place. Copy rewrites within GCS
// (several calls for a large object), pinned to the source generation it read. Transient
// failures (connection errors, 408, 429, 5xx) are retried with backoff, honouring
// Retry-After; a 401 fetches a new token once. Errors name gs://bucket/key, the status and
// Google's reason and message, never a token or a key.
class GcsObjectStore : public ObjectStore {
 public:
  explicit GcsObjectStore(GcsLocation location);

  std::string uri() const override;
  Result<ObjectInfo> Put(const std::string& key, const std::string& source,
                         const PutOptions& options = {}) override;
  Status Get(const std::string& key, const std::string& dest) override;
  Result<std::optional<ObjectInfo>> Head(const std::string& key) override;
  Result<std::vector<ObjectInfo>> List(const std::string& prefix) override;
  Status Delete(const std::string& key) override;
  Result<ObjectInfo> Copy(const std::string& from_key, const std::string& to_key) override;
  // A rewrite from another bucket or prefix at the same endpoint with the same credentials.
  Result<std::optional<ObjectInfo>> CopyFrom(ObjectStore& source, const ObjectInfo& from,
                                             const std::string& key) override;

  // GCS's largest object.
  static constexpr int64_t kMaxObject = int64_t{5} << 40;

  // One object's GCS resource, as the store reads it.
  struct Resource {
    ObjectInfo info;         // etag = the generation
    int64_t generation = 0;  // changes on every write
    std::string md5;         // base64; empty for a composite object
    std::string crc32c;      // base64
  };

  // The names of the buckets of `project` (the location's bucket and prefix aside): what
  // `weir connections test` asks a google_cloud_platform connection with a project.
  Result<std::vector<std::string>> ListBuckets(const std::string& project);

 private:
  struct Call;
  Result<HttpText> Send(Call& call);
  Result<Resource> Upload(const std::string& name, const std::string& source, int64_t size,
                          const Json& metadata);
  Result<Resource> UploadResumable(const std::string& name, const std::string& source, int64_t size,
                                   const Json& metadata);
  Result<std::optional<Resource>> Stat(const std::string& key);
  Result<Resource> ResourceOf(const Json& object, const std::string& where) const;
  Status Failed(const HttpText& reply, std::string_view method, std::string_view where) const;
  std::string ObjectUrl(const std::string& name) const;
  Result<ObjectInfo> Rewrite(GcsObjectStore& source, const std::string& from_key,
                             const std::string& to_key);

  GcsLocation loc_;
};

}  // namespace weir
