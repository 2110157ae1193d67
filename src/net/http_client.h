#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/http_status.h"  // HttpReason, for callers that print a status
#include "base/status.h"
#include "base/time.h"

namespace weir {

// One HTTP(S) request: a GET by default. Conditional and range headers have fields of their
// own so that callers never spell them by hand; `headers` holds anything else
// (Authorization, User-Agent, ...).
struct HttpRequest {
  std::string url;
  // GET follows redirects; HEAD, PUT, POST and DELETE do not (a signed request is signed for
  // one URL).
  std::string method = "GET";
  // The body of a PUT or POST: `body`, or `body_length` bytes of the file `body_file` from
  // `body_offset` (-1: to its end), streamed, or `body_length` bytes that `body_reader` gives
  // as curl asks for them (it fills at most n bytes of buf and returns how many; an error, or 0
  // before body_length bytes, aborts the transfer with that error). Content-Length is always
  // sent. A reader's bytes are gone once given: a request with one cannot be sent again.
  std::string body;
  std::string body_file;
  int64_t body_offset = 0;
  int64_t body_length = -1;
  std::function<Result<size_t>(char* buf, size_t n)> body_reader;
  std::map<std::string, std::string> headers;
  std::optional<int64_t> range_from;     // sends "Range: bytes=<n>-"
  std::string if_none_match;             // an ETag, sent as If-None-Match
  std::string if_modified_since;         // an HTTP date, sent as If-Modified-Since
  std::string if_range;                  // an ETag or HTTP date, sent as If-Range
  std::chrono::milliseconds timeout{0};  // the whole transfer; 0: no limit
  std::chrono::milliseconds connect_timeout{30'000};
  // Abort when fewer than low_speed_bytes per second arrive for low_speed_time (0: never).
  int64_t low_speed_bytes = 1;
  std::chrono::seconds low_speed_time{60};
};

// The final response, after redirects.
struct HttpResponse {
  int status = 0;
  std::string reason;     // "Not Found"; the standard phrase when the server sent none
  std::string final_url;  // the URL that answered (differs from the request's on redirect)
  std::map<std::string, std::string> headers;  // names lower-cased; the last value wins
  std::optional<int64_t> content_length;       // of this response's body, when sent
  int64_t bytes_received = 0;                  // body bytes handed to the sink

  // headers[name] (name lower-case), or "" when absent.
  std::string Header(std::string_view name) const;
};

// Where a response goes. `head` runs once, before the first body byte (or after the
// transfer when there is no body), with the final response's status and headers; `body`
// runs for each piece of that response's body. An error from either aborts the transfer,
// and Fetch returns that error.
struct HttpSink {
  std::function<Status(const HttpResponse& head)> head;
  std::function<Status(std::string_view piece)> body;
};

// Called about once a second during a transfer: body bytes so far, and the body's total
// (nullopt when the server did not say).
using HttpProgress = std::function<void(int64_t received, std::optional<int64_t> total)>;

// Fetches request.url, following up to 10 redirects (http and https only). Any HTTP status
// is a response, not an error: the caller decides what a 404 means. Errors are network
// faults: kUnavailable for the ones worth retrying (connection refused or reset, a transfer
// cut short, an unreachable host, a TLS handshake that broke off), kTimeout for a deadline
// or a stalled transfer, kInvalidArgument for a malformed URL or too many redirects, kIo for
// anything else; each message names the URL and says what happened. IsTransient tells them
// apart.
Result<HttpResponse> Fetch(const HttpRequest& request, const HttpSink& sink,
                           const HttpProgress& progress = nullptr);

// A response with its body, for the small answers of APIs (JSON, XML, a token).
struct HttpText {
  HttpResponse head;
  std::string body;
};

// Fetch, keeping the body in memory: a body above `max_body` bytes fails the transfer
// (kIo naming the URL).
Result<HttpText> FetchText(const HttpRequest& request, size_t max_body = size_t{32} << 20);

// True for the errors that a later try may not see (kUnavailable, kTimeout).
bool IsTransient(const Error& error);

// An HTTP date ("Wed, 12 Oct 2009 17:50:00 GMT", as Last-Modified has it); nullopt when the
// text is not one.
std::optional<Time> ParseHttpDate(std::string_view value);

// The wait a Retry-After header value asks for: "120" (seconds) or an HTTP date (from
// now); nullopt when it is neither. A date in the past is zero.
std::optional<std::chrono::seconds> ParseRetryAfter(std::string_view value);

}  // namespace weir
