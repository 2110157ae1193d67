#include "lake/s3/s3_store.h"

#include <fmt/format.h>
#include <unistd.h>
#include <pugixml.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>

#include "base/hash.h"
#include "base/strings.h"
#include "base/url.h"
#include "lake/cloud_common.h"
#include "lake/s3/aws_profile.h"
#include "lake/s3/s3_internal.h"
#include "net/http_client.h"
#include "net/retry.h"

namespace weir {

namespace {

constexpr int kTries = 5;

const std::string& EmptySha() {
  static const std::string kEmpty = Sha256Hex("");
  return kEmpty;
}

std::string Getenv(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? "" : v;
}

}  // namespace

std::string Unquoted(std::string etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return etag;
}

Status Failed(const S3Reply& reply, std::string_view method, std::string_view where) {
  std::string text = XmlErrorText(reply.body);
  if (text.empty()) text = reply.head.reason;
  std::string hint;
  if (reply.head.status == 403) hint = " (check the connection's keys and the bucket's policy)";
  if (reply.head.status == 301) hint = " (the bucket is in another region: set region_name)";
  return Err(StoreErrorCode(reply.head.status), "{} {}: HTTP {} {}{}", method, where,
             reply.head.status, text, hint);
}

ObjectInfo ObjectInfoOf(const std::string& key, const HttpResponse& head) {
  ObjectInfo info;
  info.key = key;
  info.size = head.content_length.value_or(0);
  info.etag = Unquoted(head.Header("etag"));
  info.md5 = Md5OfEtag(info.etag);
  info.sha256 = head.Header("x-amz-meta-sha256");
  if (info.md5.empty()) info.md5 = head.Header("x-amz-meta-md5");
  if (auto t = ParseHttpDate(head.Header("last-modified"))) info.modified = *t;
  return info;
}

Result<S3Location> S3LocationOf(const std::string& uri, const Connection& conn) {
  auto where = TRY(ParseBucketUri(uri, "s3"));
  S3Location loc;
  loc.bucket = where.bucket;
  loc.prefix = where.prefix;
  if (!conn.conn_type.empty() && conn.conn_type != "aws") {
    return Err(ErrorCode::kInvalidArgument,
               "connection '{}' is of type '{}'; an s3:// lake needs an aws connection",
               conn.conn_id, conn.conn_type);
  }
  auto extra = [&](const char* name) {
    return conn.extra.contains(name) && conn.extra[name].is_string()
               ? conn.extra[name].get<std::string>()
               : std::string();
  };
  // The connection first; AWS's standard environment variables fill what it leaves out.
  loc.credentials.access_key_id = conn.login;
  loc.credentials.secret_access_key = conn.password;
  loc.credentials.session_token = extra("aws_session_token");
  if (loc.credentials.access_key_id.empty()) {
    loc.credentials = {Getenv("AWS_ACCESS_KEY_ID"), Getenv("AWS_SECRET_ACCESS_KEY"),
                       Getenv("AWS_SESSION_TOKEN")};
  }
  // Then the shared files' profile (the connection's profile_name, AWS_PROFILE or default).
  std::string profile_name = AwsProfileName(extra("profile_name"));
  auto profile = TRY_CONTEXT(ReadAwsProfile(profile_name), "reading AWS profile " + profile_name);
  auto from_profile = [&](const char* key) {
    auto it = profile.find(key);
    return it == profile.end() ? std::string() : it->second;
  };
  if (loc.credentials.access_key_id.empty()) {
    loc.credentials = {from_profile("aws_access_key_id"), from_profile("aws_secret_access_key"),
                       from_profile("aws_session_token")};
  }
  if (loc.credentials.access_key_id.empty() || loc.credentials.secret_access_key.empty()) {
    std::string which =
        conn.conn_id.empty() ? "the connection" : "connection '" + conn.conn_id + "'";
    return Err(ErrorCode::kFailedPrecondition,
               "no AWS keys for {}: give {} a login (access key id) and password (secret "
               "access key) (weir connections add), set AWS_ACCESS_KEY_ID and "
               "AWS_SECRET_ACCESS_KEY, or add profile [{}] to ~/.aws/credentials",
               uri, which, profile_name);
  }
  loc.region = extra("region_name");
  if (loc.region.empty()) loc.region = Getenv("AWS_REGION");
  if (loc.region.empty()) loc.region = Getenv("AWS_DEFAULT_REGION");
  if (loc.region.empty()) loc.region = from_profile("region");
  if (loc.region.empty()) loc.region = "us-east-1";
  loc.endpoint = extra("endpoint_url");
  if (loc.endpoint.empty() && !conn.host.empty()) loc.endpoint = conn.host;
  if (loc.endpoint.empty()) loc.endpoint = Getenv("AWS_ENDPOINT_URL_S3");
  if (loc.endpoint.empty()) loc.endpoint = Getenv("AWS_ENDPOINT_URL");
  std::string style = extra("s3_url_style");
  if (style.empty()) style = extra("addressing_style");
  if (loc.endpoint.empty()) {
    loc.endpoint = "https://s3." + loc.region + ".amazonaws.com";
    loc.path_style = style == "path";
  } else {
    loc.path_style = style != "virtual";
  }
  while (loc.endpoint.ends_with('/')) loc.endpoint.pop_back();
  if (!loc.endpoint.starts_with("http://") && !loc.endpoint.starts_with("https://")) {
    return Err(ErrorCode::kInvalidArgument,
               "connection '{}': endpoint_url '{}' must start with http:// or https://",
               conn.conn_id, loc.endpoint);
  }
  return loc;
}

S3ObjectStore::S3ObjectStore(S3Location location) : loc_(std::move(location)) {
  size_t scheme = loc_.endpoint.find("://") + 3;
  std::string host = loc_.endpoint.substr(scheme);
  host = host.substr(0, host.find('/'));
  host_ = loc_.path_style ? host : loc_.bucket + "." + host;
  origin_ = loc_.endpoint.substr(0, scheme) + host_;
  path_prefix_ = loc_.path_style ? "/" + loc_.bucket : "";
}

std::string S3ObjectStore::uri() const {
  std::string prefix = loc_.prefix;
  if (!prefix.empty()) prefix.pop_back();
  return "s3://" + loc_.bucket + (prefix.empty() ? "" : "/" + prefix);
}

Result<S3Reply> S3ObjectStore::Send(Call& call) const {
  // The bucket itself is "/bucket" in path style and "/" on its own host.
  std::string path = call.key.empty() && !path_prefix_.empty()
                         ? path_prefix_
                         : path_prefix_ + "/" + S3EncodePath(call.key);
  std::string url = origin_ + path;
  std::string query;
  for (const auto& [k, v] : call.query) {
    query += (query.empty() ? "?" : "&");
    query += PercentEncode(k) + "=" + PercentEncode(v);
  }
  url += query;
  std::string where = fmt::format("s3://{}/{}", loc_.bucket, call.key);
  ReplyCollector reply(call.to_file, where);
  auto attempt = [&](int) -> Result<HttpResponse> {
    HttpSink sink = reply.Begin();
    if (call.stream_to != nullptr) {  // a 2xx answer streams on; any other is collected
      auto streaming = std::make_shared<bool>(false);
      sink.head = [streaming, collect = sink.head, to = call.stream_to](const HttpResponse& h) {
        *streaming = h.status / 100 == 2;
        return *streaming ? to->head(h) : collect(h);
      };
      sink.body = [streaming, collect = sink.body, to = call.stream_to](std::string_view piece) {
        return *streaming ? to->body(piece) : collect(piece);
      };
    }
    SigV4Request sig;
    sig.method = call.method;
    sig.host = host_;
    sig.path = path;
    sig.query = call.query;
    sig.headers = call.headers;
    sig.payload_sha256 = call.payload_sha256.empty() ? EmptySha() : call.payload_sha256;
    HttpRequest req;
    req.url = url;
    req.method = call.method;
    req.body = call.body;
    req.body_file = call.body_file;
    req.body_offset = call.body_offset;
    req.body_length = call.body_length;
    req.body_reader = call.body_reader;
    req.headers = SignV4(sig, loc_.credentials, {loc_.region, "s3"},
                         std::chrono::time_point_cast<Micros>(std::chrono::system_clock::now()));
    auto head = Fetch(req, sink);
    Status closed = reply.End();
    if (head && !closed) return std::unexpected(closed.error());
    return head;
  };
  const bool once = call.body_reader || call.stream_to != nullptr;
  auto head = WithRetries({.tries = once ? 1 : kTries}, attempt);
  if (!head) return Err(head.error().code, "{} {}: {}", call.method, where, head.error().message);
  S3Reply out;
  out.head = std::move(*head);
  out.body = std::move(reply.body());
  if (reply.wrote_file()) out.sha256 = reply.digests().sha256;
  return out;
}

Result<std::vector<std::string>> ListBuckets(const S3Location& location) {
  S3Location at_endpoint = location;
  at_endpoint.bucket = "";
  at_endpoint.prefix = "";
  at_endpoint.path_style = true;  // GET / on the endpoint itself
  S3ObjectStore store(at_endpoint);
  S3ObjectStore::Call call{.method = "GET"};
  S3Reply reply = TRY(store.Send(call));
  if (reply.head.status != 200) {
    return std::unexpected(Failed(reply, "ListBuckets", location.endpoint).error());
  }
  pugi::xml_document doc;
  if (!doc.load_buffer(reply.body.data(), reply.body.size())) {
    return Err(ErrorCode::kIo, "ListBuckets {}: the answer is not XML", location.endpoint);
  }
  std::vector<std::string> names;
  for (pugi::xml_node b : doc.child("ListAllMyBucketsResult").child("Buckets").children("Bucket")) {
    names.emplace_back(b.child_value("Name"));
  }
  return names;
}

Result<std::optional<ObjectInfo>> S3ObjectStore::Head(const std::string& key) {
  TRY(ValidateKey(key));
  Call call{.method = "HEAD", .key = loc_.prefix + key};
  S3Reply reply = TRY(Send(call));
  if (reply.head.status == 404) return std::optional<ObjectInfo>();
  if (reply.head.status != 200)
    return std::unexpected(Failed(reply, "HEAD", uri() + "/" + key).error());
  return std::optional<ObjectInfo>(ObjectInfoOf(key, reply.head));
}

Result<ObjectInfo> S3ObjectStore::Put(const std::string& key, const std::string& source,
                                      const PutOptions& options) {
  TRY(ValidateKey(key));
  std::string where = uri() + "/" + key;
  // A file going up in parts gets no MD5 ETag: its MD5 is kept in the metadata instead, for
  // transfers that compare objects by MD5.
  std::error_code size_ec;
  const bool in_parts = static_cast<int64_t>(std::filesystem::file_size(source, size_ec)) >
                        std::min(loc_.multipart_threshold, kMaxSinglePut);
  FileDigests digests = TRY(DigestFile(source, {.md5 = in_parts && !size_ec}));
  const std::string& sha256 = digests.sha256;
  const int64_t size = digests.size;
  if (!options.expected_sha256.empty() && sha256 != options.expected_sha256) {
    return Err(ErrorCode::kInvalidArgument, "{} has sha256 {}, expected {}: nothing was published",
               source, sha256, options.expected_sha256);
  }
  if (size > kMaxObject) {
    return Err(ErrorCode::kInvalidArgument,
               "{} is {} bytes, more than an S3 object holds (5 TiB): nothing was published",
               source, size);
  }
  if (size > std::min(loc_.multipart_threshold, kMaxSinglePut)) {
    return PutInParts(key, source, sha256, size, HexOf(digests.md5));
  }
  Call call{
      .method = "PUT",
      .key = loc_.prefix + key,
      .headers = {{"Content-Type", "application/octet-stream"}, {"x-amz-meta-sha256", sha256}},
      .body_file = source,
      .payload_sha256 = sha256};
  S3Reply reply = TRY(Send(call));
  if (reply.head.status != 200) return std::unexpected(Failed(reply, "PUT", where).error());
  // End to end: the stored object must be what was read.
  auto stored = TRY(Head(key));
  if (!stored || stored->size != size || (!stored->sha256.empty() && stored->sha256 != sha256)) {
    (void)Delete(key);
    return Err(ErrorCode::kIo,
               "{} was stored with {} bytes and sha256 {} after {} bytes with sha256 {} were "
               "sent: the object was removed",
               where, stored ? stored->size : 0, stored ? stored->sha256 : "none", size, sha256);
  }
  stored->sha256 = sha256;
  return *stored;
}

Status S3ObjectStore::Get(const std::string& key, const std::string& dest) {
  TRY(ValidateKey(key));
  std::string where = uri() + "/" + key;
  std::string temp = TempBeside(dest);
  Call call{.method = "GET", .key = loc_.prefix + key, .to_file = temp};
  auto reply = Send(call);
  auto fail = [&](Status s) {
    std::error_code ec;
    std::filesystem::remove(temp, ec);
    return s;
  };
  if (!reply) return fail(std::unexpected(reply.error()));
  if (reply->head.status == 404) {
    return fail(Err(ErrorCode::kNotFound, "no object at {}", where));
  }
  if (reply->head.status != 200) return fail(Failed(*reply, "GET", where));
  std::string expected = reply->head.Header("x-amz-meta-sha256");
  std::error_code ec;
  auto size = static_cast<int64_t>(std::filesystem::file_size(temp, ec));
  if (ec || reply->head.content_length.value_or(size) != size ||
      (!expected.empty() && expected != reply->sha256)) {
    return fail(Err(ErrorCode::kIo,
                    "{} arrived with {} bytes and sha256 {}, not the object's {}: nothing was "
                    "written to {}",
                    where, size, reply->sha256, expected.empty() ? "size" : expected, dest));
  }
  std::filesystem::rename(temp, dest, ec);
  if (ec) return fail(Err(ErrorCode::kIo, "cannot write {}: {}", dest, ec.message()));
  return {};
}

Status S3ObjectStore::Read(const std::string& key, const ObjectSink& sink) {
  TRY(ValidateKey(key));
  std::string where = uri() + "/" + key;
  ObjectInfo now;
  std::optional<Sha256> sha;  // when the object says what its bytes must hash to
  int64_t got = 0;
  HttpSink stream{[&](const HttpResponse& head) -> Status {
                    if (!head.content_length) {
                      return Err(ErrorCode::kIo, "GET {}: the answer has no Content-Length", where);
                    }
                    now = ObjectInfoOf(key, head);
                    if (!now.sha256.empty()) sha.emplace();
                    return sink.head(now);
                  },
                  [&](std::string_view piece) -> Status {
                    if (sha) sha->Update(piece);
                    got += static_cast<int64_t>(piece.size());
                    return sink.body(piece);
                  }};
  Call call{.method = "GET", .key = loc_.prefix + key, .stream_to = &stream};
  S3Reply reply = TRY(Send(call));
  if (reply.head.status == 404) return Err(ErrorCode::kNotFound, "no object at {}", where);
  if (reply.head.status != 200) return Failed(reply, "GET", where);
  std::string sha256 = sha ? sha->HexDigest() : "";
  if (got != now.size || sha256 != now.sha256) {
    return Err(ErrorCode::kIo, "{} arrived with {} bytes and sha256 {}, not the object's {} and {}",
               where, got, sha256.empty() ? "(not computed)" : sha256, now.size,
               now.sha256.empty() ? "(none)" : now.sha256);
  }
  return {};
}

Result<std::vector<ObjectInfo>> S3ObjectStore::List(const std::string& prefix) {
  std::vector<ObjectInfo> out;
  std::string token;
  do {
    Call call{.method = "GET", .key = ""};
    call.query = {{"list-type", "2"},
                  {"max-keys", std::to_string(loc_.list_page_size)},
                  {"prefix", loc_.prefix + prefix}};
    if (!token.empty()) call.query.emplace_back("continuation-token", token);
    S3Reply reply = TRY(Send(call));
    if (reply.head.status != 200) {
      return std::unexpected(Failed(reply, "LIST", uri() + "/" + prefix).error());
    }
    pugi::xml_document doc;
    if (!doc.load_buffer(reply.body.data(), reply.body.size())) {
      return Err(ErrorCode::kIo, "LIST {}/{}: the answer is not XML", uri(), prefix);
    }
    pugi::xml_node result = doc.child("ListBucketResult");
    for (pugi::xml_node c : result.children("Contents")) {
      std::string full = c.child_value("Key");
      if (!full.starts_with(loc_.prefix)) continue;
      ObjectInfo info;
      info.key = full.substr(loc_.prefix.size());
      info.size = std::strtoll(c.child_value("Size"), nullptr, 10);
      info.etag = Unquoted(c.child_value("ETag"));
      info.md5 = Md5OfEtag(info.etag);
      if (auto t = ParseDateTime(c.child_value("LastModified"))) info.modified = *t;
      out.push_back(std::move(info));
    }
    token = std::string(result.child_value("IsTruncated")) == "true"
                ? result.child_value("NextContinuationToken")
                : "";
  } while (!token.empty());
  std::ranges::sort(out, {}, &ObjectInfo::key);
  return out;
}

Status S3ObjectStore::Delete(const std::string& key) {
  TRY(ValidateKey(key));
  Call call{.method = "DELETE", .key = loc_.prefix + key};
  S3Reply reply = TRY(Send(call));
  if (reply.head.status == 204 || reply.head.status == 200 || reply.head.status == 404) return {};
  return Failed(reply, "DELETE", uri() + "/" + key);
}

Result<ObjectInfo> S3ObjectStore::Copy(const std::string& from_key, const std::string& to_key) {
  return CopyObject(*this, from_key, to_key, nullptr);
}

Result<std::optional<ObjectInfo>> S3ObjectStore::CopyFrom(ObjectStore& source,
                                                          const ObjectInfo& from,
                                                          const std::string& key) {
  auto* s3 = dynamic_cast<S3ObjectStore*>(&source);
  if (s3 == nullptr || s3->loc_.endpoint != loc_.endpoint || s3->loc_.region != loc_.region ||
      s3->loc_.credentials.access_key_id != loc_.credentials.access_key_id ||
      s3->loc_.credentials.secret_access_key != loc_.credentials.secret_access_key ||
      s3->loc_.credentials.session_token != loc_.credentials.session_token) {
    return std::nullopt;
  }
  return CopyObject(*s3, from.key, key, from.etag.empty() ? nullptr : &from);
}

Result<ObjectInfo> S3ObjectStore::CopyObject(S3ObjectStore& source, const std::string& from_key,
                                             const std::string& to_key, const ObjectInfo* listed) {
  TRY(ValidateKey(from_key));
  TRY(ValidateKey(to_key));
  std::string where = uri() + "/" + to_key;
  std::string from_uri = source.uri() + "/" + from_key;
  // A listing's size and ETag spare a HEAD, except for a copy in parts, which needs the
  // checksums kept in the source's metadata.
  std::optional<ObjectInfo> from;
  if (listed != nullptr && listed->size <= std::min(loc_.multipart_copy_threshold, kMaxSinglePut)) {
    from = *listed;
  } else {
    from = TRY(source.Head(from_key));
  }
  if (!from) return Err(ErrorCode::kNotFound, "no object at {} to copy", from_uri);
  if (from->size > std::min(loc_.multipart_copy_threshold, kMaxSinglePut)) {
    return CopyInParts(source, from_key, to_key, *from);
  }
  Call call{.method = "PUT",
            .key = loc_.prefix + to_key,
            .headers = {{"x-amz-copy-source", "/" + source.loc_.bucket + "/" +
                                                  S3EncodePath(source.loc_.prefix + from_key)},
                        {"x-amz-copy-source-if-match", "\"" + from->etag + "\""}}};
  S3Reply reply = TRY(Send(call));
  // A copy can fail after its 200 has been sent: the body then holds an <Error>.
  std::string error = XmlErrorText(reply.body);
  if (reply.head.status == 404) {
    return Err(ErrorCode::kNotFound, "no object at {} to copy", from_uri);
  }
  if (reply.head.status == 412) {
    return Err(ErrorCode::kUnavailable, "{} changed while it was copied to {}; try again", from_uri,
               where);
  }
  if (reply.head.status != 200 || !error.empty()) {
    return std::unexpected(Failed(reply, "COPY to", where).error());
  }
  auto info = TRY(Head(to_key));
  if (!info) return Err(ErrorCode::kIo, "{} is missing right after it was copied", where);
  if (info->size != from->size || (listed == nullptr && info->sha256 != from->sha256) ||
      (listed != nullptr && !from->md5.empty() && info->md5 != from->md5)) {
    (void)Delete(to_key);
    return Err(ErrorCode::kIo,
               "{} was copied from {} with {} bytes, sha256 '{}' and md5 '{}' where the source "
               "has {}, '{}' and '{}': the copy was removed",
               where, from_uri, info->size, info->sha256, info->md5, from->size, from->sha256,
               from->md5);
  }
  return *info;
}

}  // namespace weir
