#pragma once

// What the cloud stores (lake/s3, lake/gcs, lake/azure) share: how a file is hashed before it
// goes up, how an HTTP status maps to an error code, how an XML error body reads, how a
// download is staged, and how parts go up several at a time.

#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "base/hash.h"
#include "base/status.h"
#include "net/http_client.h"

namespace weir {

// The size and digests of a file, or of a range of it (a part, a block). md5 and crc32c are
// computed only when asked for (a put to S3 needs neither; MD5 costs about as much as reading).
struct FileDigests {
  int64_t size = 0;
  std::string sha256;  // hex
  std::string md5;     // the 16 raw bytes; empty when not asked
  std::string crc32c;  // base64, as GCS writes it; empty when not asked
};
struct DigestsWanted {
  bool md5 = false;
  bool crc32c = false;
  int64_t offset = 0;
  int64_t length = -1;  // -1: to the end; otherwise a file that ends sooner is an error
};
Result<FileDigests> DigestFile(const std::string& path, DigestsWanted wanted = {});

// The error code for a status a store refused with: 400 kInvalidArgument, 401/403
// kFailedPrecondition, 404 kNotFound, 409/412 kAlreadyExists, a retryable status
// kUnavailable, anything else kIo.
ErrorCode StoreErrorCode(int status);

// An XML error body, <Error><Code/><Message/></Error> (S3's and Azure's), as "Code: Message";
// "" when the body is not one.
std::string XmlErrorText(std::string_view body);

// A Google JSON error body, {"error": {"message": ..., "errors": [{"reason": ...}]}} (GCS's
// and BigQuery's), as "reason: message"; "" when the body is not one.
std::string GoogleErrorText(std::string_view body);

// Where one attempt of a store request puts its answer: a 2xx body into `to_file` (when
// set), hashed on the way; any other body (XML, JSON, an error) into `body`, at most 32 MiB.
// Begin() before each attempt starts afresh (the file truncated, the hashes reset).
class ReplyCollector {
 public:
  ReplyCollector(std::string to_file, std::string where, DigestsWanted wanted = {});
  HttpSink Begin();
  // After Fetch: closes the file; an error when writing it failed.
  Status End();

  bool wrote_file() const { return to_file_open_; }
  std::string& body() { return body_; }
  // The digests of what went to the file (size, sha256, and md5/crc32c when wanted).
  FileDigests digests();

 private:
  std::string to_file_;
  std::string where_;
  DigestsWanted wanted_;
  std::string body_;
  bool to_file_open_ = false;
  int64_t size_ = 0;
  std::unique_ptr<std::ofstream> out_;
  std::unique_ptr<Sha256> sha_;
  std::unique_ptr<Md5> md5_;
  Crc32c crc_;
};

// A temporary name beside `dest` for a download in progress, unique to this process and call.
std::string TempBeside(const std::string& dest);

// The part (block) size for uploading `size` bytes in at most `max_parts` parts: at least
// `wanted`, rounded up to a MiB when the limit needs more.
int64_t PartSizeFor(int64_t size, int64_t wanted, int max_parts);

// Runs work(0) ... work(n - 1) on up to `threads` threads (the caller's among them). After the
// first failure no new item starts; returns that failure once the running ones have ended.
Status ForEachInParallel(int n, int threads, const std::function<Status(int)>& work);

}  // namespace weir
