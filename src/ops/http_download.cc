#include "ops/http_download.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <thread>

#include "base/strings.h"
#include "base/time.h"
#include "base/url.h"
#include "ops/args.h"
#include "ops/download_part.h"

namespace weir {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kOp = "http_download";
constexpr double kMaxDelaySeconds = 60;
constexpr size_t kBodyInError = 200;

using Clock = std::chrono::steady_clock;

struct Options {
  std::string url;
  std::string output;  // absolute
  std::string expected_sha256;
  std::optional<int64_t> expected_size;
  std::map<std::string, std::string> headers;
  int64_t retries = 4;
  double retry_delay = 2;
  double timeout = 0;
  bool skip_unchanged = true;
};

// The last segment of the URL's path ("" when there is none), query and fragment ignored.
std::string LastPathSegment(std::string_view url) {
  url = url.substr(0, url.find_first_of("?#"));
  if (size_t scheme = url.find("://"); scheme != std::string_view::npos) {
    url.remove_prefix(scheme + 3);
  }
  size_t slash = url.find('/');
  if (slash == std::string_view::npos) return "";
  return std::string(url.substr(url.rfind('/') + 1));
}

Result<std::string> OutputPath(const std::string& url, std::string output,
                               const std::string& work_dir) {
  if (output.empty()) output = LastPathSegment(url);
  if (output.empty()) {
    return Err(ErrorCode::kInvalidArgument,
               "http_download: cannot name the file after {} (its path has no last segment); "
               "set `output`",
               url);
  }
  for (const std::string& segment : Split(output, '/')) {
    if (segment == "..") {
      return Err(ErrorCode::kInvalidArgument,
                 "http_download: output '{}' may not contain '..'; give a path inside the "
                 "task's work folder or an absolute path",
                 output);
    }
  }
  fs::path path(output);
  if (path.is_relative()) path = work_dir.empty() ? fs::absolute(path) : fs::path(work_dir) / path;
  if (!path.has_filename() || output.back() == '/') {
    return Err(ErrorCode::kInvalidArgument, "http_download: output '{}' names a folder, not a file",
               output);
  }
  return path.lexically_normal().string();
}

bool IsAbsolute(std::string_view url) {
  return url.starts_with("http://") || url.starts_with("https://");
}

}  // namespace

Status ApplyHttpConnection(const Connection& c, std::string& url,
                           std::map<std::string, std::string>& headers) {
  if (c.conn_type != "http") {
    return Err(ErrorCode::kInvalidArgument,
               "http_download: connection '{}' is of type '{}'; http_conn_id needs an http one",
               c.conn_id, c.conn_type);
  }
  if (!IsAbsolute(url)) {
    if (c.host.empty()) {
      return Err(ErrorCode::kInvalidArgument,
                 "http_download: url '{}' is relative, and connection '{}' has no host to "
                 "resolve it against",
                 url, c.conn_id);
    }
    std::string base = c.host.find("://") != std::string::npos
                           ? c.host
                           : (c.schema.empty() ? "http" : c.schema) + "://" + c.host;
    if (c.port && base.find(':', base.find("://") + 3) == std::string::npos) {
      base += fmt::format(":{}", *c.port);
    }
    while (base.ends_with('/')) base.pop_back();
    std::string_view path = url;
    while (path.starts_with('/')) path.remove_prefix(1);
    url = base + "/" + std::string(path);
  }
  static constexpr std::array<std::string_view, 9> kOptions = {
      "headers", "timeout",   "verify",          "proxies",      "stream",
      "cert",    "auth_type", "allow_redirects", "max_redirects"};
  std::map<std::string, std::string> from_conn;
  for (const auto& [k, v] : c.extra.items()) {
    if (v.is_string() && std::ranges::find(kOptions, k) == kOptions.end()) {
      from_conn[k] = v.get<std::string>();
    }
  }
  if (c.extra.contains("headers")) {
    const Json& h = c.extra["headers"];
    if (!h.is_object()) {
      return Err(ErrorCode::kInvalidArgument,
                 "http_download: connection '{}': extra.headers must be an object", c.conn_id);
    }
    for (const auto& [k, v] : h.items())
      from_conn[k] = v.is_string() ? v.get<std::string>() : v.dump();
  }
  if (!c.password.empty()) {
    from_conn["Authorization"] = c.login.empty()
                                     ? "Bearer " + c.password
                                     : "Basic " + Base64Encode(c.login + ":" + c.password);
  }
  for (auto& [k, v] : from_conn) headers.try_emplace(k, std::move(v));  // the task's win
  return {};
}

namespace {

Result<Options> ParseOptions(const Json& args, const NativeContext& ctx) {
  Options o;
  o.url = TRY(StringArg(args, kOp, "url"));
  o.headers = TRY(StringMapArg(args, kOp, "headers"));
  std::string conn_id = TRY(StringArg(args, kOp, "http_conn_id"));
  if (!conn_id.empty()) {
    if (!ctx.find_connection) {
      return Err(ErrorCode::kFailedPrecondition,
                 "http_download: connections cannot be read here (no metadata store)");
    }
    TRY(ApplyHttpConnection(TRY(ctx.find_connection(conn_id)), o.url, o.headers));
  }
  if (!IsAbsolute(o.url)) {
    return Err(ErrorCode::kInvalidArgument,
               "http_download: url '{}' must start with http:// or https:// (or be relative to "
               "an http_conn_id's host)",
               o.url);
  }
  o.output = TRY(OutputPath(o.url, TRY(StringArg(args, kOp, "output")), ctx.work_dir));
  o.expected_sha256 = ToLower(TRY(StringArg(args, kOp, "expected_sha256")));
  if (!o.expected_sha256.empty() &&
      (o.expected_sha256.size() != 64 ||
       o.expected_sha256.find_first_not_of("0123456789abcdef") != std::string::npos)) {
    return Err(ErrorCode::kInvalidArgument,
               "http_download: expected_sha256 '{}' is not 64 hex digits", o.expected_sha256);
  }
  int64_t size = TRY(IntArg(args, kOp, "expected_size", -1));
  if (size >= 0) o.expected_size = size;
  o.retries = TRY(IntArg(args, kOp, "retries", 4));
  o.retry_delay = TRY(NumberArg(args, kOp, "retry_delay_seconds", 2));
  o.timeout = TRY(NumberArg(args, kOp, "timeout_seconds", 0));
  o.skip_unchanged = TRY(BoolArg(args, kOp, "skip_unchanged", true));
  if (o.retries < 0 || o.retry_delay < 0 || o.timeout < 0) {
    return Err(ErrorCode::kInvalidArgument,
               "http_download: retries, retry_delay_seconds and timeout_seconds may not be "
               "negative");
  }
  return o;
}

// Progress lines for the log: every 5 seconds or every 10%, whichever comes first.
class ProgressLog {
 public:
  void operator()(int64_t so_far, std::optional<int64_t> total) {
    auto now = Clock::now();
    if (base_bytes_ < 0) {
      base_bytes_ = so_far;
      base_time_ = last_ = now;
    }
    // A rate needs some time to measure; a download shorter than that gets the final line only.
    if (now - base_time_ < std::chrono::seconds(1)) return;
    int decile = total && *total > 0 ? static_cast<int>(so_far * 10 / *total) : 0;
    if (now - last_ < std::chrono::seconds(5) && decile <= decile_) return;
    last_ = now;
    decile_ = decile;
    double secs = std::chrono::duration<double>(now - base_time_).count();
    double rate = secs > 0 ? static_cast<double>(so_far - base_bytes_) / secs : 0;
    std::string line = fmt::format("[weir] {}", FormatBytes(so_far));
    if (total && *total > 0) {
      line += fmt::format(" of {} ({}%)", FormatBytes(*total), so_far * 100 / *total);
    }
    line += fmt::format(", {}/s", FormatBytes(static_cast<int64_t>(rate)));
    if (total && rate > 0 && *total > so_far) {
      auto left = std::chrono::seconds(static_cast<int64_t>((*total - so_far) / rate) + 1);
      line += ", about " + FormatDuration(left) + " left";
    }
    fmt::print("{}\n", line);
    std::fflush(stdout);
  }

 private:
  int64_t base_bytes_ = -1;
  Clock::time_point base_time_, last_;
  int decile_ = 0;
};

// One try's failure, and whether another try may succeed.
struct TryFailure {
  explicit TryFailure(Error e, bool r = false, std::optional<std::chrono::seconds> after = {})
      : error(std::move(e)), retry(r), retry_after(after) {}
  Error error;
  bool retry = false;
  std::optional<std::chrono::seconds> retry_after;
};

bool IsRetryableStatus(int status) {
  return status == 403 || status == 408 || status == 429 || status >= 500;
}

TryFailure HttpFailure(const Options& o, const PartResult& part) {
  const HttpResponse& r = part.response;
  std::string message = fmt::format("http_download: HTTP {}{}{} from {}", r.status,
                                    r.reason.empty() ? "" : " ", r.reason, o.url);
  if (!r.final_url.empty() && r.final_url != o.url)
    message += " (redirected to " + r.final_url + ")";
  std::string body = OneLine(part.body_start, kBodyInError);
  if (!body.empty()) message += ": " + body;
  bool retry = IsRetryableStatus(r.status);
  ErrorCode code = retry                                  ? ErrorCode::kUnavailable
                   : (r.status == 404 || r.status == 410) ? ErrorCode::kNotFound
                                                          : ErrorCode::kFailedPrecondition;
  return TryFailure(Error{code, message}, retry, ParseRetryAfter(r.Header("retry-after")));
}

Status WriteSidecar(const Options& o, const PartResult& part) {
  const HttpResponse& r = part.response;
  Json sidecar = {{"source_url", o.url},
                  {"final_url", r.final_url},
                  {"etag", r.Header("etag")},
                  {"last_modified", r.Header("last-modified")},
                  {"content_type", r.Header("content-type")},
                  {"sha256", part.sha256},
                  {"bytes", part.bytes}};
  std::string file = o.output + ".weir-source.json";
  std::ofstream out(file, std::ios::trunc);
  out << sidecar.dump(2) << "\n";
  out.close();
  if (!out) return Err(ErrorCode::kIo, "http_download: cannot write {}", file);
  return {};
}

// Checks a complete .part against the expectations and puts it in place.
std::expected<Json, TryFailure> Finish(const Options& o, const PartResult& part) {
  auto mismatch = [&](std::string what) -> std::unexpected<TryFailure> {
    RemovePart(o.output);
    return std::unexpected(TryFailure(
        Error{ErrorCode::kFailedPrecondition,
              fmt::format("http_download: {} from {}; the download was removed", what, o.url)}));
  };
  if (o.expected_size && part.bytes != *o.expected_size) {
    return mismatch(
        fmt::format("expected_size is {} bytes but got {} bytes", *o.expected_size, part.bytes));
  }
  if (!o.expected_sha256.empty() && part.sha256 != o.expected_sha256) {
    return mismatch(fmt::format("expected sha256 {} but got {}", o.expected_sha256, part.sha256));
  }
  std::error_code ec;
  fs::remove(o.output + ".weir-source.json", ec);  // never leave a stale one beside a new file
  fs::rename(o.output + ".part", o.output, ec);
  if (ec) {
    return std::unexpected(TryFailure(
        Error{ErrorCode::kIo, fmt::format("http_download: cannot rename {}.part to {}: {}",
                                          o.output, o.output, ec.message())}));
  }
  fs::remove(o.output + ".part.json", ec);
  if (Status s = WriteSidecar(o, part); !s) return std::unexpected(TryFailure(s.error()));
  const HttpResponse& r = part.response;
  return Json{{"path", o.output},
              {"bytes", part.bytes},
              {"sha256", part.sha256},
              {"etag", r.Header("etag")},
              {"last_modified", r.Header("last-modified")},
              {"content_type", r.Header("content-type")},
              {"url", o.url},
              {"final_url", r.final_url},
              {"status", r.status}};
}

Json SkipResult(const Options& o, const SourceCopy& copy) {
  std::string validator =
      copy.etag.empty() ? "Last-Modified " + copy.last_modified : "ETag " + copy.etag;
  std::string reason =
      fmt::format("source unchanged since {} was made ({})", copy.object_uri, validator);
  fmt::print("[weir] skipped: {}\n", reason);
  return Json{
      {"skipped", true}, {"reason", reason}, {"url", o.url}, {"object_uri", copy.object_uri}};
}

std::expected<Json, TryFailure> TryOnce(const Options& o, const HttpRequest& request,
                                        const std::optional<SourceCopy>& copy) {
  auto started = Clock::now();
  ProgressLog progress;
  auto part = FetchPart(request, o.output, std::ref(progress));
  if (!part) {
    return std::unexpected(TryFailure(part.error().Wrap(kOp), IsTransient(part.error())));
  }
  int status = part->response.status;
  if (status == 304 && copy) return SkipResult(o, *copy);
  if (status < 200 || status >= 300) return std::unexpected(HttpFailure(o, *part));
  auto result = TRY(Finish(o, *part));
  auto took = std::chrono::duration_cast<Duration>(Clock::now() - started);
  double secs = std::max(ToSeconds(took), 1e-3);
  int64_t fetched = part->bytes - part->resumed_from;
  fmt::print(
      "[weir] downloaded {} in {} ({}/s){}, sha256 {}\n", FormatBytes(part->bytes),
      FormatDuration(took), FormatBytes(static_cast<int64_t>(fetched / secs)),
      part->resumed_from > 0 ? fmt::format(", resumed at {}", FormatBytes(part->resumed_from)) : "",
      part->sha256);
  if (part->response.final_url != o.url) fmt::print("[weir] from {}\n", part->response.final_url);
  return result;
}

}  // namespace

HttpDownloadOperator::HttpDownloadOperator() {
  schema_.name = "http_download";
  schema_.description =
      "Downloads a URL into a file in the task's work folder: retries and resumes, checks size "
      "and sha256, and skips when the lake already has this version of the source.";
  schema_.args = {
      {"url", ArgType::kString, true, Json(),
       "The http:// or https:// URL to fetch, or a path relative to http_conn_id's host."},
      {"http_conn_id", ArgType::kString, false, Json(),
       "An http connection: its host is the base of a relative url, its extra headers are "
       "sent, and its login and password are basic auth (a password alone: a bearer token)."},
      {"output", ArgType::kString, false, Json(),
       "The file to write; a relative path is relative to the task's work folder. Default: the "
       "last segment of the URL's path."},
      {"expected_sha256", ArgType::kString, false, Json(),
       "Fail, keeping nothing, unless the file has this sha256 (hex)."},
      {"expected_size", ArgType::kInteger, false, Json(),
       "Fail, keeping nothing, unless the file has this many bytes."},
      {"headers", ArgType::kMap, false, Json(), "Extra request headers, e.g. Authorization."},
      {"retries", ArgType::kInteger, false, Json(4),
       "Retries of transient failures (connection errors, dropped transfers, HTTP 403, 408, "
       "429 and 5xx) inside the attempt, before the task's own retries."},
      {"retry_delay_seconds", ArgType::kNumber, false, Json(2),
       "The first wait between retries; it doubles each time, up to 60 s, and is at least what "
       "a Retry-After header asks for."},
      {"timeout_seconds", ArgType::kNumber, false, Json(0),
       "A limit on each try (0: none). Connecting may take 30 s; a transfer slower than 1 byte "
       "per second for 60 s is aborted and retried."},
      {"skip_unchanged", ArgType::kBoolean, false, Json(true),
       "Skip the task when the lake catalog has an object made from this URL and the server "
       "says (ETag / Last-Modified) that the source has not changed since."},
  };
}

Result<Json> HttpDownloadOperator::Run(const Json& args, const NativeContext& ctx) const {
  Options o = TRY(ParseOptions(args, ctx));
  std::error_code ec;
  fs::create_directories(fs::path(o.output).parent_path(), ec);
  if (ec) {
    return Err(ErrorCode::kIo, "http_download: cannot create the folder of {}: {}", o.output,
               ec.message());
  }
  HttpRequest request;
  request.url = o.url;
  request.headers = o.headers;
  request.timeout = std::chrono::milliseconds(static_cast<int64_t>(o.timeout * 1000));

  std::optional<SourceCopy> copy;
  if (o.skip_unchanged && ctx.find_source_copy) {
    auto found = ctx.find_source_copy(o.url);
    if (!found) {
      fmt::print("[weir] note: not checking whether the source changed: {}\n",
                 found.error().message);
    } else if (const std::optional<SourceCopy>& known = *found;
               known && !(known->etag.empty() && known->last_modified.empty())) {
      copy = *known;
      request.if_none_match = copy->etag;
      request.if_modified_since = copy->last_modified;
      fmt::print("[weir] the lake has {} from this URL; asking whether the source changed\n",
                 copy->object_uri);
    }
  }

  fmt::print("[weir] GET {} -> {}\n", o.url, o.output);
  std::fflush(stdout);
  const int64_t tries = o.retries + 1;
  for (int64_t n = 1;; ++n) {
    auto result = TryOnce(o, request, copy);
    std::fflush(stdout);
    if (result) return *result;
    TryFailure& failure = result.error();
    if (!failure.retry) {
      RemovePart(o.output);  // nothing to resume: the next attempt starts clean
      if (n > 1) failure.error.message += fmt::format(" (try {} of {})", n, tries);
      return std::unexpected(failure.error);
    }
    if (n >= tries) {
      failure.error.message += fmt::format(" (gave up after {} tries)", tries);
      return std::unexpected(failure.error);
    }
    double delay = o.retry_delay * std::pow(2.0, static_cast<double>(n - 1));
    if (failure.retry_after)
      delay = std::max(delay, static_cast<double>(failure.retry_after->count()));
    delay = std::min(delay, kMaxDelaySeconds);
    fmt::print("[weir] {}; retrying in {:.2f}s (try {} of {})\n", failure.error.message, delay,
               n + 1, tries);
    std::fflush(stdout);
    std::this_thread::sleep_for(std::chrono::duration<double>(delay));
  }
}

}  // namespace weir
