#pragma once

// What s3_store.cc and s3_multipart.cc share: one request and its answer, and how S3's
// answers are read. Not for use outside lake/s3.

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lake/s3/s3_store.h"
#include "net/http_client.h"

namespace weir {

struct S3Reply {
  HttpResponse head;
  std::string body;    // an error's or a listing's XML (bounded); empty when streamed to a file
  std::string sha256;  // of the body streamed to a file
};

// One S3 request: what to sign and send, and where its answer goes.
struct S3ObjectStore::Call {
  std::string method{};
  std::string key{};  // the full object key in the bucket (prefix included); "" for the bucket
  std::vector<std::pair<std::string, std::string>> query{};
  std::map<std::string, std::string> headers{};
  std::string body{};       // a small body (XML), or
  std::string body_file{};  // a file sent whole, or body_length bytes of it from body_offset
  int64_t body_offset = 0;
  int64_t body_length = -1;
  std::string payload_sha256{};
  std::string to_file{};                // a GET's body goes here (hashed on the way), or
  const HttpSink* stream_to = nullptr;  // a 2xx answer's head and body go here
  // A body given as it is sent (body_length bytes): such a call is sent once, never retried.
  ByteReader body_reader{};
};

// The object a HEAD or GET answer describes.
ObjectInfo ObjectInfoOf(const std::string& key, const HttpResponse& head);

// S3's ETag of a multipart object: the MD5 of the parts' MD5s (raw), then "-" and their count.
std::string MultipartEtag(const std::vector<std::string>& part_md5s);
// True for an ETag that is an MD5 in hex (a single-part object's, or a part's).
bool LooksLikeMd5(std::string_view etag);

// The headers that begin a new object: its type, and the checksums weir keeps in its
// metadata (x-amz-meta-sha256, and x-amz-meta-md5 for one whose ETag will be no MD5), each
// when known.
std::map<std::string, std::string> NewObjectHeaders(const std::string& sha256,
                                                    const std::string& md5);

// kIo when a part's ETag is an MD5 other than `part_md5` (raw): the part was stored damaged.
Status CheckPartEtag(const std::string& etag, const std::string& part_md5,
                     const std::string& part_where);

// An ETag without its quotes.
std::string Unquoted(std::string etag);
// The error for an answer S3 refused: the method, where, the status, S3's code and message.
Status Failed(const S3Reply& reply, std::string_view method, std::string_view where);

}  // namespace weir
