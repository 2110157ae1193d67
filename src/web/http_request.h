#pragma once

// HTTP/1.1 requests as weir's server reads them (RFC 9112), strictly: a request whose framing
// is in any doubt is refused and its connection closed, so that no byte of one request can be
// read as the start of another (request smuggling), and no request can make the server hold
// more than the limits below.

#include <cstddef>
#include <expected>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/url.h"  // PercentDecode, which the server's callers use too

namespace weir {

struct HttpLimits {
  size_t max_request_line = 8 * 1024;  // 414 beyond
  size_t max_head = 64 * 1024;         // request line and headers together; 431 beyond
  size_t max_headers = 100;            // 431 beyond
  size_t max_body = 1024 * 1024;       // Content-Length; 413 beyond
};

// Why a request is refused: the HTTP status to answer with and a message for the client.
// The connection is always closed after such an answer.
struct HttpError {
  int status = 400;
  std::string message;
};

// A request's line and headers, parsed.
struct HttpRequestHead {
  std::string method;                        // "GET"
  std::string path;                          // percent-decoded, "/api/v1/dags/a b"
  std::map<std::string, std::string> query;  // decoded ('+' is a space); the last value wins
  bool http10 = false;                       // HTTP/1.0: the connection closes after it
  // Header names in lower case, in the order sent (repeated names stay repeated).
  std::vector<std::pair<std::string, std::string>> headers;
  size_t content_length = 0;  // the body's length (0 without Content-Length)
  bool keep_alive = true;     // false for Connection: close or HTTP/1.0
  bool expect_continue = false;

  // The first value of header `name` (lower case), or "".
  std::string Header(std::string_view name) const;
};

// Where the head of the request at the start of `buffer` ends (just past its blank line), 0
// while it is incomplete, or an error when it already breaks `limits` (431, 414).
std::expected<size_t, HttpError> FindHeadEnd(std::string_view buffer, const HttpLimits& limits);

// Parses a complete head (as FindHeadEnd delimited it). Refuses (with the status in brackets):
// a malformed line, bare CR or LF, header folding, a space before a colon, control characters
// in values (400); a target that is not a path (400); a version other than HTTP/1.0 or 1.1
// (505); a missing or repeated Host in HTTP/1.1 (400); too many headers (431); a
// Content-Length that is not one decimal number (400) or is over limits.max_body (413); any
// Transfer-Encoding (501: weir needs Content-Length); any Content-Encoding but identity (415).
std::expected<HttpRequestHead, HttpError> ParseHead(std::string_view head,
                                                    const HttpLimits& limits);

}  // namespace weir
