#include "transfer/url_list_store.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "base/hash.h"
#include "base/url.h"

namespace weir {

namespace {

Status ReadOnly(const std::string& list_uri, std::string_view what) {
  return Err(ErrorCode::kFailedPrecondition, "{}: a URL list cannot {}", list_uri, what);
}

ObjectInfo InfoOf(const UrlListEntry& e) {
  ObjectInfo info;
  info.key = e.key;
  info.size = e.size;
  info.md5 = e.md5;
  return info;
}

}  // namespace

UrlListStore::UrlListStore(std::string list_uri, const std::vector<UrlListEntry>& entries,
                           RetryPolicy retry)
    : list_uri_(std::move(list_uri)), retry_(retry) {
  for (const UrlListEntry& e : entries) entries_.emplace(e.key, e);
}

Result<ObjectInfo> UrlListStore::Put(const std::string& /*key*/, const std::string& /*source*/,
                                     const PutOptions& /*options*/) {
  return std::unexpected(ReadOnly(list_uri_, "be written to").error());
}

Status UrlListStore::Delete(const std::string& /*key*/) {
  return ReadOnly(list_uri_, "delete what it lists");
}

Result<ObjectInfo> UrlListStore::Copy(const std::string& /*from_key*/,
                                      const std::string& /*to_key*/) {
  return std::unexpected(ReadOnly(list_uri_, "copy within itself").error());
}

Result<std::optional<ObjectInfo>> UrlListStore::Head(const std::string& key) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  return InfoOf(it->second);
}

Result<std::vector<ObjectInfo>> UrlListStore::List(const std::string& prefix) {
  std::vector<ObjectInfo> out;
  for (auto it = entries_.lower_bound(prefix); it != entries_.end(); ++it) {
    if (!it->first.starts_with(prefix)) break;
    out.push_back(InfoOf(it->second));
  }
  return out;
}

Status UrlListStore::Get(const std::string& key, const std::string& dest) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return Err(ErrorCode::kNotFound, "{} lists no {}", list_uri_, key);
  const UrlListEntry& e = it->second;
  std::string tmp = fmt::format("{}.part-{}", dest, getpid());
  std::string md5;  // raw
  int64_t bytes = 0;
  std::string body_start;
  auto response = WithRetries(retry_, [&](int /*attempt*/) -> Result<HttpResponse> {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    Md5 hash;
    bytes = 0;
    body_start.clear();
    int status = 0;
    HttpRequest request;
    request.url = e.url;
    HttpSink sink{[&](const HttpResponse& head) -> Status {
                    status = head.status;
                    return {};
                  },
                  [&](std::string_view piece) -> Status {
                    if (status / 100 != 2) {
                      if (body_start.size() < 200) body_start.append(piece.substr(0, 200));
                      return {};
                    }
                    out.write(piece.data(), static_cast<std::streamsize>(piece.size()));
                    if (!out) return Err(ErrorCode::kIo, "cannot write {}", tmp);
                    hash.Update(piece);
                    bytes += static_cast<int64_t>(piece.size());
                    return {};
                  }};
    auto got = Fetch(request, sink);
    out.close();
    if (got && got->status / 100 == 2 && !out) {
      return Err(ErrorCode::kIo, "cannot write {}", tmp);
    }
    md5 = hash.Digest();
    return got;
  });
  auto fail = [&](Status s) {
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    return s;
  };
  if (!response) return fail(std::unexpected(response.error()));
  if (response->status / 100 != 2) {
    return fail(Err(
        response->status == 404 || response->status == 410 ? ErrorCode::kNotFound : ErrorCode::kIo,
        "{} answered HTTP {} {} (url_list line {})", e.url, response->status, response->reason,
        e.line));
  }
  if (bytes != e.size) {
    return fail(Err(ErrorCode::kIo,
                    "{} sent {} bytes where url_list line {} says {}: the list or the server "
                    "is out of date",
                    e.url, bytes, e.line, e.size));
  }
  if (HexOf(md5) != e.md5) {
    return fail(Err(ErrorCode::kIo,
                    "{} sent bytes whose MD5 is {} where url_list line {} says {}: the list "
                    "or the server is out of date, or the bytes were damaged on the way",
                    e.url, Base64Encode(md5), e.line, e.md5_base64));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, dest, ec);
  if (ec) return fail(Err(ErrorCode::kIo, "cannot move {} to {}: {}", tmp, dest, ec.message()));
  return {};
}

}  // namespace weir
