#include "lake/gcs/gcs_store.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <random>
#include <thread>

#include "base/hash.h"
#include "base/url.h"
#include "env/files.h"
#include "lake/cloud_common.h"
#include "lake/gcs/google_connection.h"
#include "net/http_client.h"

namespace weir {

namespace {

constexpr int64_t kQuantum = 256 * 1024;  // resumable chunks are multiples of this

std::string Str(const Json& j, const char* name) {
  auto it = j.find(name);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

int64_t Int(const Json& j, const char* name) {
  std::string text = Str(j, name);
  return text.empty() ? 0 : std::strtoll(text.c_str(), nullptr, 10);
}

// The end of a 308's "Range: bytes=0-N" plus one: how many bytes the session holds.
int64_t PersistedBytes(const HttpResponse& head) {
  std::string range = head.Header("range");
  size_t dash = range.find('-');
  if (dash == std::string::npos) return 0;
  return std::strtoll(range.c_str() + dash + 1, nullptr, 10) + 1;
}

}  // namespace

// One request: where it goes, what it carries, and where a 2xx body goes.
struct GcsObjectStore::Call {
  std::string method{};
  std::string url{};
  std::string where{};  // gs://bucket/key, for errors
  std::map<std::string, std::string> headers{};
  std::string body{};
  std::string body_file{};
  int64_t body_offset = 0;
  int64_t body_length = -1;
  bool retry = true;      // false: one attempt (a chunk, whose caller asks the session)
  std::string to_file{};  // a 2xx body is written here, hashed on the way
  std::string got_sha256{};
  std::string got_md5{};
  std::string got_crc32c{};
};

Result<GcsLocation> GcsLocationOf(const std::string& uri, const Connection& conn) {
  GcsLocation loc;
  auto where = TRY(ParseBucketUri(uri, "gs"));
  loc.bucket = where.bucket;
  loc.prefix = where.prefix;
  std::string endpoint = TRY(GoogleEndpointOf(conn, "endpoint_url", "STORAGE_EMULATOR_HOST"));
  bool elsewhere = !endpoint.empty();
  if (elsewhere) loc.endpoint = endpoint;
  auto creds = TRY(GoogleCredentialsOf(conn, uri, elsewhere));
  if (creds.kind != GoogleCredentials::Kind::kNone) {
    loc.tokens = std::make_shared<GoogleTokenSource>(std::move(creds));
  }
  return loc;
}

GcsObjectStore::GcsObjectStore(GcsLocation location) : loc_(std::move(location)) {}

std::string GcsObjectStore::uri() const {
  std::string prefix = loc_.prefix;
  if (!prefix.empty()) prefix.pop_back();
  return "gs://" + loc_.bucket + (prefix.empty() ? "" : "/" + prefix);
}

std::string GcsObjectStore::ObjectUrl(const std::string& name) const {
  return loc_.endpoint + "/storage/v1/b/" + PercentEncode(loc_.bucket) + "/o/" +
         PercentEncode(name);
}

Status GcsObjectStore::Failed(const HttpText& reply, std::string_view method,
                              std::string_view where) const {
  // Google's errors: {"error": {"code": 403, "message": "...", "errors": [{"reason": ...}]}}.
  std::string text = GoogleErrorText(reply.body);
  if (text.empty()) text = reply.head.reason;
  std::string hint;
  int status = reply.head.status;
  if (status == 401) hint = " (the connection's credentials were refused)";
  if (status == 403) hint = " (check the service account's roles on the bucket)";
  return Err(StoreErrorCode(status), "{} {}: HTTP {} {}{}", method, where, status, text, hint);
}

Result<HttpText> GcsObjectStore::Send(Call& call) {
  ReplyCollector reply(call.to_file, call.where, {.md5 = true, .crc32c = true});
  bool refreshed = false;
  auto attempt = [&](int) -> Result<HttpResponse> {
    while (true) {
      HttpRequest req;
      req.url = call.url;
      req.method = call.method;
      req.body = call.body;
      req.body_file = call.body_file;
      req.body_offset = call.body_offset;
      req.body_length = call.body_length;
      req.headers = call.headers;
      if (loc_.tokens) {
        std::string auth = TRY_CONTEXT(loc_.tokens->Authorization(), call.where);
        if (!auth.empty()) req.headers["Authorization"] = auth;
      }
      auto head = Fetch(req, reply.Begin());
      Status closed = reply.End();
      if (head && !closed) return std::unexpected(closed.error());
      // A token can expire or be revoked between two requests: fetch a new one, once.
      if (head && head->status == 401 && loc_.tokens && !refreshed) {
        refreshed = true;
        loc_.tokens->Invalidate();
        continue;
      }
      return head;
    }
  };
  auto head = call.retry ? WithRetries(loc_.retry, attempt) : attempt(1);
  if (!head) {
    return Err(head.error().code, "{} {}: {}", call.method, call.where, head.error().message);
  }
  if (reply.wrote_file()) {
    FileDigests got = reply.digests();
    call.got_sha256 = got.sha256;
    call.got_md5 = Base64Encode(got.md5);
    call.got_crc32c = got.crc32c;
  }
  return HttpText{std::move(*head), std::move(reply.body())};
}

Result<GcsObjectStore::Resource> GcsObjectStore::ResourceOf(const Json& object,
                                                            const std::string& where) const {
  if (!object.is_object() || Str(object, "name").empty()) {
    return Err(ErrorCode::kIo, "{}: GCS answered without an object resource", where);
  }
  Resource r;
  std::string name = Str(object, "name");
  r.info.key = name.starts_with(loc_.prefix) ? name.substr(loc_.prefix.size()) : name;
  r.info.size = Int(object, "size");
  r.generation = Int(object, "generation");
  r.info.etag = Str(object, "generation");
  if (auto t = ParseDateTime(Str(object, "updated"))) r.info.modified = *t;
  r.md5 = Str(object, "md5Hash");
  r.info.md5 = Md5OfBase64(r.md5);
  r.crc32c = Str(object, "crc32c");
  if (object.contains("metadata") && object["metadata"].is_object()) {
    r.info.sha256 = Str(object["metadata"], "sha256");
  }
  return r;
}

Result<std::vector<std::string>> GcsObjectStore::ListBuckets(const std::string& project) {
  std::vector<std::string> names;
  std::string token;
  do {
    std::string url = loc_.endpoint + "/storage/v1/b?project=" + PercentEncode(project);
    if (!token.empty()) url += "&pageToken=" + PercentEncode(token);
    Call call{.method = "GET", .url = url, .where = "project " + project};
    HttpText reply = TRY(Send(call));
    if (reply.head.status != 200) {
      return std::unexpected(Failed(reply, "LIST buckets of", call.where).error());
    }
    Json page = TRY(ParseJson(reply.body, call.where));
    if (page.contains("items") && page["items"].is_array()) {
      for (const Json& b : page["items"]) names.push_back(Str(b, "name"));
    }
    token = Str(page, "nextPageToken");
  } while (!token.empty());
  return names;
}

Result<std::optional<GcsObjectStore::Resource>> GcsObjectStore::Stat(const std::string& key) {
  std::string where = uri() + "/" + key;
  Call call{.method = "GET", .url = ObjectUrl(loc_.prefix + key), .where = where};
  HttpText reply = TRY(Send(call));
  if (reply.head.status == 404) return std::optional<Resource>();
  if (reply.head.status != 200) return std::unexpected(Failed(reply, "GET", where).error());
  Json object = TRY(ParseJson(reply.body, where));
  return std::optional<Resource>(TRY(ResourceOf(object, where)));
}

Result<std::optional<ObjectInfo>> GcsObjectStore::Head(const std::string& key) {
  TRY(ValidateKey(key));
  auto r = TRY(Stat(key));
  if (!r) return std::optional<ObjectInfo>();
  return std::optional<ObjectInfo>(r->info);
}

Result<ObjectInfo> GcsObjectStore::Put(const std::string& key, const std::string& source,
                                       const PutOptions& options) {
  TRY(ValidateKey(key));
  std::string where = uri() + "/" + key;
  FileDigests d = TRY(DigestFile(source, {.md5 = true, .crc32c = true}));
  std::string md5 = Base64Encode(d.md5);
  if (!options.expected_sha256.empty() && d.sha256 != options.expected_sha256) {
    return Err(ErrorCode::kInvalidArgument, "{} has sha256 {}, expected {}: nothing was published",
               source, d.sha256, options.expected_sha256);
  }
  if (d.size > kMaxObject) {
    return Err(ErrorCode::kInvalidArgument,
               "{} is {} bytes, more than a GCS object holds (5 TiB): nothing was published",
               source, d.size);
  }
  // GCS checks the bytes against md5Hash and crc32c before it publishes them.
  Json metadata = {{"name", loc_.prefix + key},
                   {"contentType", "application/octet-stream"},
                   {"md5Hash", md5},
                   {"crc32c", d.crc32c},
                   {"metadata", {{"sha256", d.sha256}}}};
  Resource stored = TRY(d.size > loc_.single_request_max
                            ? UploadResumable(loc_.prefix + key, source, d.size, metadata)
                            : Upload(loc_.prefix + key, source, d.size, metadata));
  // End to end: what GCS holds must be what was read.
  if (stored.info.size != d.size || (!stored.md5.empty() && stored.md5 != md5) ||
      (!stored.crc32c.empty() && stored.crc32c != d.crc32c)) {
    Call remove{.method = "DELETE",
                .url = ObjectUrl(loc_.prefix + key) +
                       "?ifGenerationMatch=" + std::to_string(stored.generation),
                .where = where};
    (void)Send(remove);
    return Err(ErrorCode::kIo,
               "{} was stored with {} bytes, md5 {} and crc32c {} after {} bytes with md5 {} and "
               "crc32c {} were sent: the object was removed",
               where, stored.info.size, stored.md5, stored.crc32c, d.size, md5, d.crc32c);
  }
  stored.info.sha256 = d.sha256;
  return stored.info;
}

Result<GcsObjectStore::Resource> GcsObjectStore::Upload(const std::string& name,
                                                        const std::string& source, int64_t size,
                                                        const Json& metadata) {
  std::string where = "gs://" + loc_.bucket + "/" + name;
  std::string bytes = TRY(ReadFile(source));
  if (static_cast<int64_t>(bytes.size()) != size) {
    return Err(ErrorCode::kIo, "{} changed while it was read: nothing was published", source);
  }
  std::string boundary =
      fmt::format("weir-{:016x}", std::random_device{}() * 0x9E3779B97F4A7C15ULL);
  std::string body;
  body.reserve(bytes.size() + 512);
  body += "--" + boundary + "\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n";
  body += metadata.dump();
  body += "\r\n--" + boundary + "\r\nContent-Type: application/octet-stream\r\n\r\n";
  body += bytes;
  body += "\r\n--" + boundary + "--\r\n";
  Call call{.method = "POST",
            .url = loc_.endpoint + "/upload/storage/v1/b/" + PercentEncode(loc_.bucket) +
                   "/o?uploadType=multipart",
            .where = where,
            .headers = {{"Content-Type", "multipart/related; boundary=" + boundary}},
            .body = std::move(body)};
  HttpText reply = TRY(Send(call));
  if (reply.head.status != 200) return std::unexpected(Failed(reply, "PUT", where).error());
  Json object = TRY(ParseJson(reply.body, where));
  return ResourceOf(object, where);
}

Result<GcsObjectStore::Resource> GcsObjectStore::UploadResumable(const std::string& name,
                                                                 const std::string& source,
                                                                 int64_t size,
                                                                 const Json& metadata) {
  std::string where = "gs://" + loc_.bucket + "/" + name;
  Call begin{.method = "POST",
             .url = loc_.endpoint + "/upload/storage/v1/b/" + PercentEncode(loc_.bucket) +
                    "/o?uploadType=resumable",
             .where = where,
             .headers = {{"Content-Type", "application/json; charset=UTF-8"},
                         {"X-Upload-Content-Type", "application/octet-stream"},
                         {"X-Upload-Content-Length", std::to_string(size)}},
             .body = metadata.dump()};
  HttpText started = TRY(Send(begin));
  if (started.head.status != 200) {
    return std::unexpected(Failed(started, "PUT (starting an upload)", where).error());
  }
  std::string session = started.head.Header("location");
  if (session.empty()) {
    return Err(ErrorCode::kIo, "PUT {}: GCS began an upload without a session URI", where);
  }
  // A failed upload is cancelled, so that its session cannot be completed later.
  auto cancel = [&](const Error& why) {
    Call stop{.method = "DELETE", .url = session, .where = where, .retry = false};
    (void)Send(stop);
    return std::unexpected(why);
  };
  auto refused = [&](const HttpText& reply) { return Failed(reply, "PUT", where).error(); };
  int64_t chunk = std::max<int64_t>(kQuantum, loc_.chunk_size / kQuantum * kQuantum);
  int64_t offset = 0;
  int failures = 0;
  std::chrono::milliseconds delay = loc_.retry.first_delay;
  while (true) {
    int64_t length = std::min(chunk, size - offset);
    Call put{.method = "PUT",
             .url = session,
             .where = where,
             .headers = {{"Content-Range",
                          fmt::format("bytes {}-{}/{}", offset, offset + length - 1, size)}},
             .body_file = source,
             .body_offset = offset,
             .body_length = length,
             .retry = false};
    auto reply = Send(put);
    if (reply ? RetryableStatus(reply->head.status) : IsTransient(reply.error())) {
      // A cut or an overloaded server: ask the session how much it holds, and go on from there.
      if (++failures >= loc_.retry.tries) return cancel(reply ? refused(*reply) : reply.error());
      std::this_thread::sleep_for(std::min(delay, loc_.retry.max_delay));
      delay *= 2;
      Call ask{.method = "PUT",
               .url = session,
               .where = where,
               .headers = {{"Content-Range", fmt::format("bytes */{}", size)}}};
      reply = Send(ask);
      if (reply && RetryableStatus(reply->head.status)) continue;
    }
    if (!reply) return cancel(reply.error());
    int status = reply->head.status;
    if (status == 200 || status == 201) {
      Json object = TRY(ParseJson(reply->body, where));
      return ResourceOf(object, where);
    }
    if (status != 308) return cancel(refused(*reply));
    int64_t held = PersistedBytes(reply->head);
    if (held > offset) {
      failures = 0;
      delay = loc_.retry.first_delay;
    }
    offset = held;
  }
}

Status GcsObjectStore::Get(const std::string& key, const std::string& dest) {
  TRY(ValidateKey(key));
  std::string where = uri() + "/" + key;
  auto r = TRY(Stat(key));
  if (!r) return Err(ErrorCode::kNotFound, "no object at {}", where);
  std::string temp = TempBeside(dest);
  auto fail = [&](Status s) {
    std::error_code ec;
    std::filesystem::remove(temp, ec);
    return s;
  };
  Call call{.method = "GET",
            .url = ObjectUrl(loc_.prefix + key) +
                   "?alt=media&generation=" + std::to_string(r->generation),
            .where = where,
            .to_file = temp};
  auto reply = Send(call);
  if (!reply) return fail(std::unexpected(reply.error()));
  if (reply->head.status == 404) {
    return fail(Err(ErrorCode::kNotFound, "no object at {} (it was replaced or deleted)", where));
  }
  if (reply->head.status != 200) return fail(Failed(*reply, "GET", where));
  std::error_code ec;
  auto size = static_cast<int64_t>(std::filesystem::file_size(temp, ec));
  bool md5_ok = r->md5.empty() || r->md5 == call.got_md5;
  bool crc_ok = r->crc32c.empty() || r->crc32c == call.got_crc32c;
  bool sha_ok = r->info.sha256.empty() || r->info.sha256 == call.got_sha256;
  if (ec || size != r->info.size || !md5_ok || !crc_ok || !sha_ok) {
    return fail(Err(ErrorCode::kIo,
                    "{} arrived with {} bytes, md5 {}, crc32c {} and sha256 {}, not the "
                    "object's {} bytes, md5 {}, crc32c {} and sha256 {}: nothing was written to {}",
                    where, size, call.got_md5, call.got_crc32c, call.got_sha256, r->info.size,
                    r->md5, r->crc32c, r->info.sha256.empty() ? "(none)" : r->info.sha256, dest));
  }
  std::filesystem::rename(temp, dest, ec);
  if (ec) return fail(Err(ErrorCode::kIo, "cannot write {}: {}", dest, ec.message()));
  return {};
}

Result<std::vector<ObjectInfo>> GcsObjectStore::List(const std::string& prefix) {
  std::vector<ObjectInfo> out;
  std::string where = uri() + "/" + prefix;
  std::string token;
  do {
    std::string url = loc_.endpoint + "/storage/v1/b/" + PercentEncode(loc_.bucket) +
                      "/o?prefix=" + PercentEncode(loc_.prefix + prefix) +
                      "&maxResults=" + std::to_string(loc_.list_page_size);
    if (!token.empty()) url += "&pageToken=" + PercentEncode(token);
    Call call{.method = "GET", .url = url, .where = where};
    HttpText reply = TRY(Send(call));
    if (reply.head.status != 200) return std::unexpected(Failed(reply, "LIST", where).error());
    Json page = TRY(ParseJson(reply.body, where));
    if (page.contains("items") && page["items"].is_array()) {
      for (const Json& item : page["items"]) {
        if (!Str(item, "name").starts_with(loc_.prefix)) continue;
        out.push_back(TRY(ResourceOf(item, where)).info);
      }
    }
    token = Str(page, "nextPageToken");
  } while (!token.empty());
  std::ranges::sort(out, {}, &ObjectInfo::key);
  return out;
}

Status GcsObjectStore::Delete(const std::string& key) {
  TRY(ValidateKey(key));
  std::string where = uri() + "/" + key;
  Call call{.method = "DELETE", .url = ObjectUrl(loc_.prefix + key), .where = where};
  HttpText reply = TRY(Send(call));
  if (reply.head.status == 204 || reply.head.status == 200 || reply.head.status == 404) return {};
  return Failed(reply, "DELETE", where);
}

Result<ObjectInfo> GcsObjectStore::Copy(const std::string& from_key, const std::string& to_key) {
  return Rewrite(*this, from_key, to_key);
}

namespace {

// Whether two token sources act for the same principal (an emulator's: none at all).
bool SamePrincipal(const GoogleTokenSource* a, const GoogleTokenSource* b) {
  if (a == nullptr || b == nullptr) return a == b;
  const GoogleCredentials& x = a->credentials();
  const GoogleCredentials& y = b->credentials();
  return x.kind == y.kind && x.client_email == y.client_email && x.client_id == y.client_id &&
         x.refresh_token == y.refresh_token && x.access_token == y.access_token &&
         x.private_key_id == y.private_key_id;
}

}  // namespace

Result<std::optional<ObjectInfo>> GcsObjectStore::CopyFrom(ObjectStore& source,
                                                           const ObjectInfo& from,
                                                           const std::string& key) {
  auto* gcs = dynamic_cast<GcsObjectStore*>(&source);
  if (gcs == nullptr || gcs->loc_.endpoint != loc_.endpoint ||
      !SamePrincipal(gcs->loc_.tokens.get(), loc_.tokens.get())) {
    return std::nullopt;
  }
  return Rewrite(*gcs, from.key, key);
}

Result<ObjectInfo> GcsObjectStore::Rewrite(GcsObjectStore& source, const std::string& from_key,
                                           const std::string& to_key) {
  TRY(ValidateKey(from_key));
  TRY(ValidateKey(to_key));
  std::string where = uri() + "/" + to_key;
  std::string from_uri = source.uri() + "/" + from_key;
  auto from = TRY(source.Stat(from_key));
  if (!from) return Err(ErrorCode::kNotFound, "no object at {} to copy", from_uri);
  // Rewrite copies within GCS; a large object may take several calls, each handing back a
  // token for the next. Pinned to the generation read above: a source replaced meanwhile
  // fails the copy (412) rather than mixing two versions' metadata.
  std::string base = source.ObjectUrl(source.loc_.prefix + from_key) + "/rewriteTo/b/" +
                     PercentEncode(loc_.bucket) + "/o/" + PercentEncode(loc_.prefix + to_key) +
                     "?ifSourceGenerationMatch=" + std::to_string(from->generation);
  std::string token;
  for (int calls = 0; calls < 10'000; ++calls) {
    Call call{.method = "POST",
              .url = token.empty() ? base : base + "&rewriteToken=" + PercentEncode(token),
              .where = where};
    HttpText reply = TRY(Send(call));
    if (reply.head.status == 404) {
      return Err(ErrorCode::kNotFound, "no object at {} to copy", from_uri);
    }
    if (reply.head.status == 412) {
      return Err(ErrorCode::kUnavailable, "{} changed while it was copied to {}; try again",
                 from_uri, where);
    }
    if (reply.head.status != 200) return std::unexpected(Failed(reply, "COPY to", where).error());
    Json answer = TRY(ParseJson(reply.body, where));
    if (answer.value("done", false)) {
      if (!answer.contains("resource")) {
        return Err(ErrorCode::kIo, "COPY to {}: GCS finished without the object", where);
      }
      Resource r = TRY(ResourceOf(answer["resource"], where));
      return r.info;
    }
    token = Str(answer, "rewriteToken");
    if (token.empty()) {
      return Err(ErrorCode::kIo, "COPY to {}: GCS neither finished nor gave a rewriteToken", where);
    }
  }
  return Err(ErrorCode::kIo, "COPY to {}: GCS did not finish after 10,000 calls", where);
}

}  // namespace weir
