#pragma once

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

// A lake in an S3 bucket (AWS, MinIO, Ceph radosgw, R2, GCS interop), signed with SigV4.
//
// Put hashes the file first, sends it with that sha256 as the signed payload hash (a server
// that checks it refuses a body changed on the way) and as the object's x-amz-meta-sha256,
// then reads the object's head back and checks its size and sha256 (end to end). S3 makes a
// put atomic: readers see the old object or the new one. Get writes a temporary file next to
// `dest`, checks the bytes against the object's sha256 and size, and renames it into place.
// Transient failures (connection errors, 429, 500, 503) are retried with backoff, honouring
// Retry-After. Secrets never appear in errors: only the bucket, the key and S3's code and
// message.
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

  // The largest file one PUT sends (S3 allows 5 GiB; larger files need multipart uploads,
  // which come with the next step of this store).
  static constexpr int64_t kMaxSinglePut = int64_t{5} << 30;

 private:
  friend Result<std::vector<std::string>> ListBuckets(const S3Location& location);
  struct Call;
  Result<struct S3Reply> Send(Call& call) const;

  S3Location loc_;
  std::string host_;         // the Host header: endpoint host, or bucket.endpoint host
  std::string origin_;       // scheme://host_
  std::string path_prefix_;  // "/bucket" in path style, else ""
};

}  // namespace weir
