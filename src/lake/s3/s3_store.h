#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "lake/object_store.h"
#include "model/connection.h"
#include "net/sigv4.h"

namespace weir {

// Where an S3 lake is and how to reach it.
struct S3Location {
  std::string bucket;
  std::string prefix;    // "" or ends with '/': keys are stored as prefix + key
  std::string endpoint;  // "https://s3.eu-west-1.amazonaws.com", "http://127.0.0.1:7480"
  std::string region = "us-east-1";
  bool path_style = false;    // endpoint/bucket/key rather than bucket.endpoint/key
  int list_page_size = 1000;  // keys per ListObjectsV2 page (S3's most; tests use fewer)
  // Files larger than this go up as a multipart upload in parts of part_size bytes (grown
  // when a file would need more than S3's 10,000 parts), parallel_parts at a time. S3 wants
  // parts of at least 5 MiB, the last excepted.
  int64_t multipart_threshold = int64_t{64} << 20;
  int64_t part_size = int64_t{16} << 20;
  int parallel_parts = 4;
  // Objects larger than this are copied in parts (UploadPartCopy) of copy_part_size bytes:
  // one CopyObject takes at most 5 GiB.
  int64_t multipart_copy_threshold = int64_t{5} << 30;
  int64_t copy_part_size = int64_t{512} << 20;
  // A stream (PutStream) up to this size whose MD5 is known goes up in one PUT, streamed as it
  // comes (rclone's upload cutoff is 200 MiB too); a larger one, or one of unknown MD5, in
  // parts of part_size bytes, one at a time, each held in memory while it is sent.
  int64_t stream_put_threshold = int64_t{200} << 20;
  AwsCredentials credentials;
};

// An S3 location from an `aws` connection (Airflow's fields: login = access key id, password
// = secret access key, extra: region_name, endpoint_url, aws_session_token, profile_name, and
// s3_url_style / addressing_style "path" or "virtual") and an s3://bucket/prefix URI. Keys
// the connection lacks come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
// AWS_SESSION_TOKEN, then from the shared files' profile (aws_profile.h); the region from
// AWS_REGION / AWS_DEFAULT_REGION, then the profile, then us-east-1. With
// no endpoint_url: AWS, virtual-host style; with one (MinIO, Ceph, R2): path style unless the
// extra says otherwise.
Result<S3Location> S3LocationOf(const std::string& uri, const Connection& conn);

// The buckets the location's keys may see (ListBuckets at its endpoint; the bucket and
// style of `location` are ignored): what `weir connections test` asks an aws connection.
Result<std::vector<std::string>> ListBuckets(const S3Location& location);

// A multipart upload S3 holds for a key: begun, neither completed nor aborted.
struct S3Upload {
  std::string key;  // the key in the store (the location's prefix removed)
  std::string upload_id;
  Time initiated{};
};

// A lake in an S3 bucket (AWS, MinIO, Ceph radosgw, R2, GCS interop), signed with SigV4.
//
// Put hashes the file first, sends it with that sha256 as the signed payload hash (a server
// that checks it refuses a body changed on the way) and as the object's x-amz-meta-sha256,
// then reads the object's head back and checks its size and sha256 (end to end). S3 makes a
// put atomic: readers see the old object or the new one. A file above multipart_threshold
// goes up in parts, several at once: each part is sent with its own sha256 as the signed
// payload hash and its ETag checked against its MD5; the object's ETag must then be S3's
// multipart ETag of those parts (the MD5 of their MD5s, "-N"). When anything fails the upload
// is aborted, so no part is left behind to be billed or completed later. Get writes a temporary
// file next to `dest`, checks the bytes against the object's sha256 and size, and renames it into
// place. Read streams an object instead, with the same checks at its end; PutStream publishes
// a stream (one PUT, or parts held in memory one at a time), its payload unsigned and its
// Content-MD5 the object's MD5 (lake/stream_copy.h). Transient failures (connection errors,
// 429, 500, 503) are retried with backoff, honouring Retry-After, except in a streamed request,
// which cannot be sent twice. Secrets never appear in errors: only the bucket, the key and S3's
// code and message.
class S3ObjectStore : public ObjectStore {
 public:
  explicit S3ObjectStore(S3Location location);

  std::string uri() const override;
  Result<ObjectInfo> Put(const std::string& key, const std::string& source,
                         const PutOptions& options = {}) override;
  Status Get(const std::string& key, const std::string& dest) override;
  Result<std::optional<ObjectInfo>> Head(const std::string& key) override;
  Result<std::vector<ObjectInfo>> List(const std::string& prefix) override;
  Status Delete(const std::string& key) override;
  Result<ObjectInfo> Copy(const std::string& from_key, const std::string& to_key) override;
  // Server-side from another bucket or prefix at the same endpoint, region and keys.
  Result<std::optional<ObjectInfo>> CopyFrom(ObjectStore& source, const ObjectInfo& from,
                                             const std::string& key) override;

  bool CanRead() const override { return true; }
  bool CanPutStream() const override { return true; }
  Status Read(const std::string& key, const ObjectSink& sink) override;
  // One PUT with Content-MD5 when the MD5 is known and the size at most stream_put_threshold,
  // else in parts, each with its Content-MD5; unsigned payloads (x-amz-content-sha256:
  // UNSIGNED-PAYLOAD), the MD5s checking the bytes instead.
  Result<ObjectInfo> PutStream(const std::string& key, const ObjectInfo& object,
                               const ByteReader& read) override;

  // The multipart uploads under `prefix` that were begun and never completed or aborted (a
  // process killed mid-upload leaves one), oldest first.
  Result<std::vector<S3Upload>> ListUploads(const std::string& prefix);
  // Aborts one (its parts are deleted); aborting one that is gone succeeds.
  Status AbortUpload(const S3Upload& upload);

  // S3's limits: one PUT or CopyObject, one object, the parts of an upload.
  static constexpr int64_t kMaxSinglePut = int64_t{5} << 30;
  static constexpr int64_t kMaxObject = int64_t{5} << 40;
  static constexpr int kMaxParts = 10000;

 private:
  friend Result<std::vector<std::string>> ListBuckets(const S3Location& location);
  struct Call;
  Result<struct S3Reply> Send(Call& call) const;
  Result<ObjectInfo> PutInParts(const std::string& key, const std::string& source,
                                const std::string& sha256, int64_t size, const std::string& md5);
  // Copies `from_key` of `source` (this store or one at the same endpoint) to `to_key`.
  // `listed`, when given, is the source as a listing gave it (size, ETag): no HEAD is sent.
  Result<ObjectInfo> CopyObject(S3ObjectStore& source, const std::string& from_key,
                                const std::string& to_key, const ObjectInfo* listed);
  Result<ObjectInfo> CopyInParts(const S3ObjectStore& source, const std::string& from_key,
                                 const std::string& to_key, const ObjectInfo& from);
  // Begins an upload of `key` (full key) with the object's headers; returns its id.
  Result<std::string> BeginUpload(const std::string& key,
                                  const std::map<std::string, std::string>& headers);
  // Sends parts [0, n) with `send_part` (which returns the part's ETag), `threads` at a time
  // (in order when 1), then completes the upload; aborts it when any step fails.
  Result<std::vector<std::string>> SendParts(
      const std::string& key, const std::string& upload_id, int n, int threads,
      const std::function<Result<std::string>(int part)>& send_part);
  // After a multipart upload of `key` completed: the object, or kIo (and it is deleted) when
  // its size or multipart ETag is not that of the parts sent.
  Result<ObjectInfo> CheckUploaded(const std::string& key, int64_t size,
                                   const std::vector<std::string>& part_md5s);
  Result<ObjectInfo> PutStreamInParts(const std::string& key, const ObjectInfo& object,
                                      const ByteReader& read);

  S3Location loc_;
  std::string host_;         // the Host header: endpoint host, or bucket.endpoint host
  std::string origin_;       // scheme://host_
  std::string path_prefix_;  // "/bucket" in path style, else ""
};

}  // namespace weir
