#include "ops/download_part.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/hash.h"
#include "base/json.h"
#include "base/strings.h"

namespace weir {

namespace fs = std::filesystem;

namespace {

constexpr size_t kBodyStartMax = 512;

// What <path>.part.json says about <path>.part.
struct PartMeta {
  std::string url, etag, last_modified;
  int64_t bytes = 0;
};

std::optional<PartMeta> ReadMeta(const std::string& file) {
  std::ifstream in(file);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  auto json = ParseJson(text.str(), file);
  if (!json || !json->is_object()) return std::nullopt;
  return PartMeta{json->value("url", ""), json->value("etag", ""), json->value("last_modified", ""),
                  json->value("bytes", int64_t{0})};
}

Status WriteMeta(const std::string& file, const PartMeta& meta) {
  Json json = {{"url", meta.url},
               {"etag", meta.etag},
               {"last_modified", meta.last_modified},
               {"bytes", meta.bytes}};
  std::ofstream out(file, std::ios::trunc);
  out << json.dump() << "\n";
  out.close();
  if (!out) return Err(ErrorCode::kIo, "cannot write {}: {}", file, std::strerror(errno));
  return {};
}

int64_t FileSize(const std::string& file) {
  std::error_code ec;
  auto size = fs::file_size(file, ec);
  return ec ? 0 : static_cast<int64_t>(size);
}

// The validator If-Range may carry: a strong ETag, else Last-Modified (RFC 9110 13.1.5).
std::string IfRangeValidator(const PartMeta& meta) {
  if (!meta.etag.empty() && !meta.etag.starts_with("W/")) return meta.etag;
  return meta.last_modified;
}

// "bytes <first>-<last>/<total or *>"
struct ContentRange {
  int64_t first = 0;
  std::optional<int64_t> total;
};

std::optional<ContentRange> ParseContentRange(const std::string& value) {
  long long first = 0, last = 0, total = 0;
  if (std::sscanf(value.c_str(), "bytes %lld-%lld/%lld", &first, &last, &total) == 3) {
    return ContentRange{first, total};
  }
  if (std::sscanf(value.c_str(), "bytes %lld-%lld/*", &first, &last) == 2) {
    return ContentRange{first, std::nullopt};
  }
  return std::nullopt;
}

// Feeds the first `bytes` of `file` to `sha`, so that a resumed download's checksum covers
// the whole file.
Status HashPrefix(const std::string& file, int64_t bytes, Sha256& sha) {
  std::ifstream in(file, std::ios::binary);
  std::string buffer(1 << 20, '\0');
  while (bytes > 0 && in) {
    in.read(buffer.data(), std::min<int64_t>(bytes, static_cast<int64_t>(buffer.size())));
    sha.Update(std::string_view(buffer.data(), static_cast<size_t>(in.gcount())));
    bytes -= in.gcount();
  }
  if (bytes != 0) return Err(ErrorCode::kIo, "cannot read {} to resume it", file);
  return {};
}

// The .part file being written, closed on every path out.
class PartFile {
 public:
  ~PartFile() {
    if (file_ != nullptr) std::fclose(file_);
  }
  Status Open(const std::string& name, bool append) {
    name_ = name;
    file_ = std::fopen(name.c_str(), append ? "ab" : "wb");
    if (file_ == nullptr) return Err(ErrorCode::kIo, "cannot write {}: {}", name, strerror(errno));
    return {};
  }
  bool is_open() const { return file_ != nullptr; }
  Status Write(std::string_view piece) {
    if (std::fwrite(piece.data(), 1, piece.size(), file_) != piece.size()) {
      return Err(ErrorCode::kIo, "cannot write {}: {}", name_, std::strerror(errno));
    }
    return {};
  }
  Status Close() {
    int rc = std::fclose(file_);
    file_ = nullptr;
    if (rc != 0) return Err(ErrorCode::kIo, "cannot write {}: {}", name_, std::strerror(errno));
    return {};
  }

 private:
  std::string name_;
  std::FILE* file_ = nullptr;
};

}  // namespace

Result<PartResult> FetchPart(HttpRequest request, const std::string& path,
                             const PartProgress& progress) {
  const std::string part = path + ".part", meta_file = part + ".json";
  int64_t have = FileSize(part);
  std::optional<PartMeta> meta = ReadMeta(meta_file);
  if (have > 0 && meta && meta->url == request.url && !IfRangeValidator(*meta).empty()) {
    request.range_from = have;
    request.if_range = IfRangeValidator(*meta);
  }

  PartResult result;
  PartFile file;
  Sha256 sha;
  std::optional<int64_t> total;
  HttpSink sink;
  sink.head = [&](const HttpResponse& head) -> Status {
    if (head.status == 206) {
      auto range = ParseContentRange(head.Header("content-range"));
      if (!request.range_from || !range || range->first != *request.range_from) {
        RemovePart(path);
        return Err(ErrorCode::kUnavailable,
                   "{} answered 206 with Content-Range '{}' to a request for bytes={}-; the next "
                   "try starts over",
                   request.url, head.Header("content-range"), request.range_from.value_or(0));
      }
      TRY(HashPrefix(part, have, sha));
      TRY(file.Open(part, /*append=*/true));
      result.resumed_from = have;
      total = range->total;
      fmt::print("[weir] resuming at byte {} ({} already downloaded)\n", have, FormatBytes(have));
    } else if (head.status >= 200 && head.status < 300) {
      TRY(file.Open(part, /*append=*/false));
      total = head.content_length;
    } else {
      return {};
    }
    PartMeta now{request.url, head.Header("etag"), head.Header("last-modified"),
                 result.resumed_from};
    if (head.status == 206 && now.etag.empty() && now.last_modified.empty()) {
      now.etag = meta->etag;  // If-Range matched these, and they are what a later try needs
      now.last_modified = meta->last_modified;
    }
    return WriteMeta(meta_file, now);
  };
  sink.body = [&](std::string_view piece) -> Status {
    if (!file.is_open()) {
      result.body_start.append(piece.substr(0, kBodyStartMax - result.body_start.size()));
      return {};
    }
    TRY(file.Write(piece));
    sha.Update(piece);
    return {};
  };
  HttpProgress on_progress;
  if (progress) {
    on_progress = [&](int64_t received, std::optional<int64_t>) {
      if (file.is_open()) progress(result.resumed_from + received, total);
    };
  }

  auto response = Fetch(request, sink, on_progress);
  if (file.is_open()) {
    // Whatever happened, record how far this try got, for the next one.
    Status closed = file.Close();
    result.bytes = FileSize(part);
    if (auto m = ReadMeta(meta_file)) {
      m->bytes = result.bytes;
      (void)WriteMeta(meta_file, *m);
    }
    if (!closed) return std::unexpected(closed.error());
  }
  if (!response) return std::unexpected(response.error());
  result.response = std::move(*response);
  int status = result.response.status;
  if (status == 416 && request.range_from) {
    RemovePart(path);
    return Err(ErrorCode::kUnavailable,
               "{} refused to resume at byte {} (HTTP 416); the next try starts over", request.url,
               *request.range_from);
  }
  if (status < 200 || status >= 300) return result;
  // A 206 answers the range asked for because `meta` was read (the head check refused any other).
  if (status == 206 && meta && result.response.Header("etag").empty() &&
      result.response.Header("last-modified").empty()) {
    // A 206 without validators: the ones If-Range matched describe the file.
    result.response.headers["etag"] = meta->etag;
    result.response.headers["last-modified"] = meta->last_modified;
  }
  if (total && result.bytes != *total) {
    return Err(ErrorCode::kUnavailable, "the transfer from {} ended after {} of {} bytes",
               request.url, result.bytes, *total);
  }
  result.sha256 = sha.HexDigest();
  return result;
}

void RemovePart(const std::string& path) {
  std::error_code ec;
  fs::remove(path + ".part", ec);
  fs::remove(path + ".part.json", ec);
}

std::string OneLine(std::string_view text, size_t max) {
  std::string out;
  for (char c : text) {
    bool space = static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == ' ';
    if (space) {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  out = std::string(Trim(out));
  if (out.size() <= max) return out;
  size_t cut = max;
  // Do not split a UTF-8 sequence: back up over continuation bytes.
  while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
  return out.substr(0, cut) + "...";
}

}  // namespace weir
