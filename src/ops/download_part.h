#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "net/http_client.h"

namespace weir {

// One try at fetching a URL into `<path>.part`, resuming what an earlier try (or an earlier
// attempt of the task) left there. `<path>.part.json` records {url, etag, last_modified,
// bytes}; when it matches the URL and has a validator, the try asks for the rest with
// `Range: bytes=<size of .part>-` and `If-Range`: a 206 appends, a 200 starts over.

// What the server answered.
struct PartResult {
  HttpResponse response;     // 200/206 (the whole file is in .part), 304, or another status
  std::string body_start;    // the first bytes of a non-2xx response's body
  int64_t bytes = 0;         // the size of .part: the whole file for a 2xx
  std::string sha256;        // of all of .part, for a 2xx
  int64_t resumed_from = 0;  // bytes an earlier try left, when this one appended to them
};

// Bytes of the whole file so far, and its size when known.
using PartProgress = std::function<void(int64_t so_far, std::optional<int64_t> total)>;

// Fetches request.url into <path>.part (request's range and If-Range are set here). A 2xx
// whose body ends short of its Content-Length, a 206 for a range not asked for, and a 416
// are kUnavailable errors (a later try resumes or starts over); network errors are Fetch's;
// a file that cannot be written is kIo. Non-2xx statuses are results, not errors.
Result<PartResult> FetchPart(HttpRequest request, const std::string& path,
                             const PartProgress& progress);

// Removes <path>.part and <path>.part.json (after a checksum or size mismatch).
void RemovePart(const std::string& path);

// `text` as one printable line of at most `max` bytes, for error messages.
std::string OneLine(std::string_view text, size_t max);

}  // namespace weir
