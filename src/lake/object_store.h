#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "model/connection.h"

namespace weir {

// An object in a lake: its key (a relative path with '/' separators), size, modification
// time and checksum.
struct ObjectInfo {
  std::string key;
  int64_t size = 0;
  Time modified{};
  std::string etag;    // changes whenever the content changes
  std::string sha256;  // hex; empty when the store does not know it (a listing)
  // The content's MD5 in hex, when the store gives it (S3's ETag of a single-part object,
  // GCS's md5Hash, Azure's Content-MD5), listings included; empty otherwise.
  std::string md5;
};

// The MD5 in hex of an S3 ETag when it is one (a single-part upload's), else "".
std::string Md5OfEtag(std::string_view etag);
// "base64 MD5" (GCS's md5Hash, Azure's Content-MD5) as hex, or "" when it is not one.
std::string Md5OfBase64(std::string_view base64);

// Where ObjectStore::Read sends an object: `head` once, with the object as the store serves
// it now (key, size, ETag, and the checksums the store keeps), then `body` with its bytes in
// order. An error from either ends the read with that error.
struct ObjectSink {
  std::function<Status(const ObjectInfo& now)> head;
  std::function<Status(std::string_view piece)> body;
};

// Gives the next bytes of a body into `buf` (at most `n`) and returns how many; 0 only at its
// end.
using ByteReader = std::function<Result<size_t>(char* buf, size_t n)>;

struct PutOptions {
  // When set, the put fails (and publishes nothing) unless the source has this sha256.
  std::string expected_sha256;
};

// A lake: file://, s3://, gs:// or az:// (lake/file, lake/s3, lake/gcs, lake/azure). Every
// method is safe to call from several threads and processes at once.
//
// Keys are relative paths: no leading '/', no empty, '.' or '..' segments (kInvalidArgument
// otherwise). Writes are atomic: a reader sees the previous object or the complete new one,
// never a part of one, and a failed or killed put leaves nothing at the key.
class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // The store's base URI ("file:///home/me/weir/lake").
  virtual std::string uri() const = 0;

  // Publishes the local file `source` at `key`, replacing any object there. The bytes are
  // hashed while they are read and checked again once they are stored (end to end); a
  // mismatch fails the put and publishes nothing. Returns the new object with its sha256.
  virtual Result<ObjectInfo> Put(const std::string& key, const std::string& source,
                                 const PutOptions& options = {}) = 0;
  // Copies the object at `key` to the local file `dest`, atomically. kNotFound when absent.
  virtual Status Get(const std::string& key, const std::string& dest) = 0;
  // The object at `key`, or nullopt when there is none.
  virtual Result<std::optional<ObjectInfo>> Head(const std::string& key) = 0;
  // Every object whose key starts with `prefix` (recursively), sorted by key.
  virtual Result<std::vector<ObjectInfo>> List(const std::string& prefix) = 0;
  // Deletes the object at `key`; deleting a missing object succeeds.
  virtual Status Delete(const std::string& key) = 0;
  // Copies one object to another key within the store, atomically.
  virtual Result<ObjectInfo> Copy(const std::string& from_key, const std::string& to_key) = 0;
  // Copies the object `from` of `source` (as its listing gave it: key, size, ETag) to `key`
  // here inside the service (S3 CopyObject or UploadPartCopy, GCS rewrite, Azure Copy Blob),
  // the bytes never passing through weir, atomically as Put; the copy keeps the source's
  // checksums, and a source no longer at that ETag fails it. nullopt when the service cannot:
  // `source` is another kind of store, or at another endpoint, account or with other
  // credentials; the caller then streams the copy (Get, then Put).
  virtual Result<std::optional<ObjectInfo>> CopyFrom(ObjectStore& /*source*/,
                                                     const ObjectInfo& /*from*/,
                                                     const std::string& /*key*/) {
    return std::nullopt;
  }

  // Streaming, for copies between stores that never land in a file (lake/stream_copy.h).
  // Stores that can say so; the others keep the defaults, and a copy then goes through a file.
  virtual bool CanRead() const { return false; }
  virtual bool CanPutStream() const { return false; }
  // Sends the object at `key` to `sink` as it arrives (kNotFound when absent). The bytes are
  // checked as Get checks them, at the end: an error then means `sink` had bad bytes.
  virtual Status Read(const std::string& key, const ObjectSink& /*sink*/) {
    return Err(ErrorCode::kFailedPrecondition, "{} cannot stream {}", uri(), key);
  }
  // Publishes `object.size` bytes that `read` gives at `key`, atomically as Put. `object`
  // is what the bytes are said to be: its md5, when known, is checked against them before
  // anything is published (else each part's MD5 is); its sha256, when known, is kept as it is
  // (the source's Read checks it) and none is computed, as for a copy inside a service. A
  // failure publishes nothing; `read` cannot be rewound, so nothing is retried here.
  virtual Result<ObjectInfo> PutStream(const std::string& key, const ObjectInfo& /*object*/,
                                       const ByteReader& /*read*/) {
    return Err(ErrorCode::kFailedPrecondition, "{} cannot take a stream at {}", uri(), key);
  }
};

// Checks that `key` is a valid object key (see ObjectStore).
Status ValidateKey(const std::string& key);

// A bucket URI's parts: "s3://bucket/a/b" -> {"bucket", "a/b/"}.
struct BucketPath {
  std::string bucket;
  std::string prefix;  // "" or a valid key followed by '/'
};
// Splits `uri`, which must start with "<scheme>://" and name a bucket; the prefix must be a
// valid key (kInvalidArgument otherwise).
Result<BucketPath> ParseBucketUri(const std::string& uri, std::string_view scheme);

// Finds a stored or environment connection by id (engine/connections.h FindConnection);
// kNotFound when there is none.
using ConnectionFinder = std::function<Result<Connection>(const std::string& conn_id)>;

// How a lake in a cloud store is reached: which connection, and how to find it.
struct LakeAccess {
  std::string conn_id;               // "": the scheme's default, aws_default for s3://
  ConnectionFinder find_connection;  // null: no stored connections, the environment only
};

// The connection `access` names (or `fallback_id`); an empty one with that id when it names
// none, so that the provider's own chain applies (Airflow's hooks do the same).
Result<Connection> ConnectionFor(const LakeAccess& access, std::string_view fallback_id);

// The connection id an s3:// lake uses when none is named (Airflow's aws_conn_id default);
// gs:// uses google_cloud_default (lake/gcs/google_connection.h), az:// wasb_default
// (lake/azure/azure_store.h).
inline constexpr std::string_view kDefaultAwsConnId = "aws_default";

// Opens the lake at `uri`: file:///absolute/path (created if missing), s3://bucket[/prefix]
// through an aws connection, gs://bucket[/prefix] through a google_cloud_platform one, or
// az://container[/prefix] through an azure_blob one
// (access.conn_id, else the scheme's default). As Airflow's hooks do, a connection id that
// names no connection means the provider's own chain: AWS_* variables and ~/.aws profiles;
// GOOGLE_APPLICATION_CREDENTIALS and gcloud's application-default credentials. Other
// schemes are kInvalidArgument naming the supported ones.
Result<std::unique_ptr<ObjectStore>> OpenObjectStore(const std::string& uri,
                                                     const LakeAccess& access = {});

// The local path of a lake://<key> (in the lake at `lake_uri`) or file:///path URI, for
// readers that take paths (DuckDB's read_parquet). The key may end in '/' or hold a glob.
// Other schemes are kInvalidArgument: their objects are not local files.
Result<std::string> LocalPathOf(const std::string& uri, const std::string& lake_uri);

// The store URI a lake://<path> names in the default lake at `lake_uri` ("lake://raw/x" in
// s3://bucket/lake is s3://bucket/lake/raw/x); other URIs as they are. kFailedPrecondition
// when a lake:// URI is given and there is no default lake.
Result<std::string> InDefaultLake(const std::string& uri, const std::string& lake_uri);

}  // namespace weir
