#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/time.h"

namespace weir {

// AWS Signature Version 4 (docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-
// signed-request.html), for S3 and the servers that speak its protocol (MinIO, R2, Ceph, GCS
// interop). Written here rather than taken from libcurl's CURLOPT_AWS_SIGV4 because the
// signer must sign the real payload hash of a streamed file, a session token, and the query
// strings of multipart uploads exactly as S3 canonicalises them, and be checked against
// AWS's published vectors without a network (sigv4_test.cc).

struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // temporary credentials; sent as x-amz-security-token
};

// A request to sign. `path` is the canonical URI: each segment already percent-encoded once
// (S3EncodePath), '/' kept. Query parameters and headers are raw; the signer encodes, sorts
// and trims them as the specification says.
struct SigV4Request {
  std::string method;
  std::string host;  // as sent in the Host header: "bucket.s3.amazonaws.com", "127.0.0.1:7480"
  std::string path = "/";
  std::vector<std::pair<std::string, std::string>> query;
  std::map<std::string, std::string> headers;  // to be signed and sent (besides host)
  std::string payload_sha256;                  // hex, or "UNSIGNED-PAYLOAD"
  // S3 wants x-amz-content-sha256 sent and signed; AWS's generic test suite signs without it.
  bool content_sha256_header = true;
};

struct SigV4Scope {
  std::string region = "us-east-1";
  std::string service = "s3";
};

// The headers to send: the request's own, plus x-amz-date, x-amz-content-sha256 (when
// asked), x-amz-security-token (with a session token) and Authorization. An x-amz-date the
// request already has is kept (and signed) instead of `now`.
std::map<std::string, std::string> SignV4(const SigV4Request& request, const AwsCredentials& creds,
                                          const SigV4Scope& scope, Time now);

// The steps, for tests and for error messages that show what was signed.
std::string CanonicalRequest(const SigV4Request& request,
                             const std::map<std::string, std::string>& headers);
std::string StringToSign(std::string_view amz_date, const SigV4Scope& scope,
                         std::string_view canonical_request);

// An object key as a canonical URI path: every byte but unreserved characters and '/'
// percent-encoded ("a b/c$d" -> "a%20b/c%24d").
std::string S3EncodePath(std::string_view key);

// "20130524T000000Z"
std::string AmzDate(Time t);

}  // namespace weir
