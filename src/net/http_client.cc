#include "net/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <mutex>

#include <fmt/format.h>

#include "base/strings.h"

namespace weir {

namespace {

constexpr long kMaxRedirects = 10;
constexpr long kBufferBytes = 256L << 10;
constexpr char kUserAgent[] = "weir/0.1 (+libcurl)";

// curl_global_init is not thread-safe and must run once per process, before any handle.
void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

// What the callbacks share during one transfer.
struct Transfer {
  CURL* curl = nullptr;
  // The request body being sent: from `body`, the file or the reader.
  std::string_view body;
  FILE* file = nullptr;
  const std::function<Result<size_t>(char*, size_t)>* reader = nullptr;
  int64_t remaining = 0;
  const HttpSink* sink = nullptr;
  const HttpProgress* progress = nullptr;
  HttpResponse response;
  bool head_sent = false;
  std::optional<Error> sink_error;  // why a callback aborted the transfer
  std::chrono::steady_clock::time_point last_progress{};

  Status SendHead() {
    head_sent = true;
    char* url = nullptr;
    if (curl_easy_getinfo(curl, CURLINFO_EFFECTIVE_URL, &url) == CURLE_OK && url != nullptr) {
      response.final_url = url;
    }
    if (response.reason.empty()) response.reason = HttpReason(response.status);
    std::string length = response.Header("content-length");
    if (!length.empty()) {
      char* end = nullptr;
      long long n = std::strtoll(length.c_str(), &end, 10);
      if (end != length.c_str() && *end == '\0' && n >= 0) response.content_length = n;
    }
    return sink->head ? sink->head(response) : Status{};
  }
};

// A new status line starts a new response (a redirect hop or a proxy's CONNECT answer), so
// only the last response's headers survive.
size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * count);
  std::string_view trimmed = Trim(line);
  if (trimmed.starts_with("HTTP/")) {
    t->response.headers.clear();
    t->response.reason.clear();
    size_t sp = trimmed.find(' ');
    if (sp != std::string_view::npos) {
      std::string_view rest = trimmed.substr(sp + 1);
      t->response.status = std::atoi(std::string(rest.substr(0, 3)).c_str());
      if (rest.size() > 4) t->response.reason = Trim(rest.substr(4));
    }
    return line.size();
  }
  size_t colon = trimmed.find(':');
  if (colon != std::string_view::npos) {
    t->response.headers[ToLower(Trim(trimmed.substr(0, colon)))] =
        std::string(Trim(trimmed.substr(colon + 1)));
  }
  return line.size();
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  if (!t->head_sent) {
    if (Status s = t->SendHead(); !s) {
      t->sink_error = s.error();
      return CURL_WRITEFUNC_ERROR;
    }
  }
  if (t->sink->body) {
    if (Status s = t->sink->body(std::string_view(data, n)); !s) {
      t->sink_error = s.error();
      return CURL_WRITEFUNC_ERROR;
    }
  }
  t->response.bytes_received += static_cast<int64_t>(n);
  return n;
}

size_t OnRead(char* buffer, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = std::min<size_t>(size * count, static_cast<size_t>(t->remaining));
  if (n == 0) return 0;
  if (t->reader != nullptr) {
    auto got = (*t->reader)(buffer, n);
    if (!got || *got == 0 || *got > n) {
      t->sink_error =
          got ? MakeError(ErrorCode::kIo, "the request body ended early").error() : got.error();
      return CURL_READFUNC_ABORT;
    }
    n = *got;
  } else if (t->file == nullptr) {
    std::memcpy(buffer, t->body.data(), n);
    t->body.remove_prefix(n);
  } else {
    n = std::fread(buffer, 1, n, t->file);
    if (n == 0) return CURL_READFUNC_ABORT;  // the file shrank while it was sent
  }
  t->remaining -= static_cast<int64_t>(n);
  return n;
}

struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
};

int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  auto now = std::chrono::steady_clock::now();
  if (!t->head_sent || now - t->last_progress < std::chrono::seconds(1)) return 0;
  t->last_progress = now;
  (*t->progress)(t->response.bytes_received, t->response.content_length);
  return 0;
}

ErrorCode Classify(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_HTTP3:
      return ErrorCode::kUnavailable;
    case CURLE_OPERATION_TIMEDOUT:
      return ErrorCode::kTimeout;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_TOO_MANY_REDIRECTS:
      return ErrorCode::kInvalidArgument;
    default:
      return ErrorCode::kIo;
  }
}

std::unique_ptr<curl_slist, CurlDeleter> BuildHeaders(const HttpRequest& request) {
  curl_slist* list = nullptr;
  auto add = [&list](const std::string& line) { list = curl_slist_append(list, line.c_str()); };
  for (const auto& [name, value] : request.headers) add(fmt::format("{}: {}", name, value));
  if (request.range_from) add("Range: bytes=" + std::to_string(*request.range_from) + "-");
  // No "Expect: 100-continue" round trip before a body: the servers weir talks to answer
  // at once, and some mishandle it.
  if (request.method != "GET" && request.method != "HEAD") add("Expect:");
  if (!request.if_none_match.empty()) add("If-None-Match: " + request.if_none_match);
  if (!request.if_modified_since.empty()) add("If-Modified-Since: " + request.if_modified_since);
  if (!request.if_range.empty()) add("If-Range: " + request.if_range);
  return std::unique_ptr<curl_slist, CurlDeleter>(list);
}

}  // namespace

std::string HttpResponse::Header(std::string_view name) const {
  auto it = headers.find(std::string(name));
  return it == headers.end() ? "" : it->second;
}

Result<HttpResponse> Fetch(const HttpRequest& request, const HttpSink& sink,
                           const HttpProgress& progress) {
  InitCurlOnce();
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return Err(ErrorCode::kInternal, "fetching {}: curl_easy_init failed", request.url);
  auto headers = BuildHeaders(request);
  Transfer t;
  t.curl = curl.get();
  t.sink = &sink;
  t.progress = &progress;
  char error[CURL_ERROR_SIZE] = {};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_USERAGENT, kUserAgent);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, request.method == "GET" ? 1L : 0L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, kMaxRedirects);
  // Larger than curl's 16 and 64 KiB: fewer calls and copies for the large bodies of a lake.
  curl_easy_setopt(c, CURLOPT_BUFFERSIZE, kBufferBytes);
  curl_easy_setopt(c, CURLOPT_UPLOAD_BUFFERSIZE, kBufferBytes);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(request.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, static_cast<long>(request.low_speed_bytes));
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, static_cast<long>(request.low_speed_time.count()));
  std::unique_ptr<FILE, FileCloser> file;
  if (request.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (request.method != "GET") {
    // Every other method sends a body (perhaps empty) with its Content-Length.
    if (request.body_reader) {
      t.reader = &request.body_reader;
      t.remaining = std::max<int64_t>(0, request.body_length);
    } else if (!request.body_file.empty()) {
      file.reset(std::fopen(request.body_file.c_str(), "rb"));
      if (!file) {
        return Err(ErrorCode::kIo, "{} {}: cannot read {}: {}", request.method, request.url,
                   request.body_file, std::strerror(errno));
      }
      int64_t length = request.body_length;
      if (length < 0) {
        std::fseek(file.get(), 0, SEEK_END);
        length = std::ftell(file.get()) - request.body_offset;
      }
      std::fseek(file.get(), static_cast<long>(request.body_offset), SEEK_SET);
      t.file = file.get();
      t.remaining = std::max<int64_t>(0, length);
    } else {
      t.body = request.body;
      t.remaining = static_cast<int64_t>(request.body.size());
    }
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    curl_easy_setopt(c, CURLOPT_READFUNCTION, OnRead);
    curl_easy_setopt(c, CURLOPT_READDATA, &t);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(t.remaining));
  }
  if (progress) {
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, OnProgress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);
  }

  CURLcode code = curl_easy_perform(c);
  if (t.sink_error) return std::unexpected(*t.sink_error);
  if (code != CURLE_OK) {
    std::string detail = error[0] != '\0' ? error : curl_easy_strerror(code);
    long os_errno = 0;  // curl's text says "Couldn't connect"; errno says why (refused, ...)
    if (curl_easy_getinfo(c, CURLINFO_OS_ERRNO, &os_errno) == CURLE_OK && os_errno != 0) {
      detail += fmt::format(" ({})", std::strerror(static_cast<int>(os_errno)));
    }
    std::string what = request.method == "GET" ? "fetching" : request.method;
    return MakeError(Classify(code), what + " " + request.url + " failed: " + detail);
  }
  if (!t.head_sent) {
    if (Status s = t.SendHead(); !s) return std::unexpected(s.error());
  }
  return std::move(t.response);
}

Result<HttpText> FetchText(const HttpRequest& request, size_t max_body) {
  HttpText text;
  HttpSink sink{nullptr, [&](std::string_view piece) -> Status {
                  if (text.body.size() + piece.size() > max_body) {
                    return Err(ErrorCode::kIo, "{}: the answer is larger than {} bytes",
                               request.url, max_body);
                  }
                  text.body.append(piece);
                  return {};
                }};
  text.head = TRY(Fetch(request, sink));
  return text;
}

bool IsTransient(const Error& error) {
  return error.code == ErrorCode::kUnavailable || error.code == ErrorCode::kTimeout;
}

std::optional<Time> ParseHttpDate(std::string_view value) {
  std::string text(Trim(value));
  if (text.empty()) return std::nullopt;
  time_t when = curl_getdate(text.c_str(), nullptr);
  if (when == -1) return std::nullopt;
  return std::chrono::time_point_cast<Micros>(std::chrono::system_clock::from_time_t(when));
}

std::optional<std::chrono::seconds> ParseRetryAfter(std::string_view value) {
  std::string text(Trim(value));
  if (text.empty()) return std::nullopt;
  if (text.find_first_not_of("0123456789") == std::string::npos) {
    return std::chrono::seconds(std::strtoll(text.c_str(), nullptr, 10));
  }
  time_t when = curl_getdate(text.c_str(), nullptr);
  if (when == -1) return std::nullopt;
  return std::chrono::seconds(std::max<time_t>(0, when - std::time(nullptr)));
}

}  // namespace weir
