#include "lake/azure/azure_store.h"

#include <fmt/format.h>
#include <pugixml.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "base/strings.h"
#include "base/url.h"
#include "lake/cloud_common.h"
#include "net/azure_shared_key.h"

namespace weir {

namespace {

constexpr std::string_view kApiVersion = "2021-08-06";

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? "" : v;
}

std::string ExtraText(const Connection& c, const char* name) {
  auto it = c.extra.find(name);
  return it != c.extra.end() && it->is_string() ? it->get<std::string>() : "";
}

// Azure's connection string: "Key=Value;..." (values may hold '=': a key's padding, a SAS).
std::map<std::string, std::string> ParseConnectionString(std::string_view text) {
  std::map<std::string, std::string> out;
  for (const auto& part : Split(std::string(text), ';')) {
    size_t eq = part.find('=');
    if (eq == std::string::npos) continue;
    out[std::string(Trim(part.substr(0, eq)))] = std::string(Trim(part.substr(eq + 1)));
  }
  return out;
}

// A SAS as given (a URL, "?sv=...", "sv=...") as its query alone.
std::string SasQuery(std::string sas) {
  size_t q = sas.find('?');
  if (q != std::string::npos) sas = sas.substr(q + 1);
  return sas;
}

// The credentials and endpoint a connection string gives, over what `loc` has.
Status ApplyConnectionString(std::string_view text, AzureLocation& loc, std::string_view where) {
  auto parts = ParseConnectionString(text);
  auto get = [&](const char* name) {
    auto it = parts.find(name);
    return it == parts.end() ? std::string() : it->second;
  };
  if (!get("AccountName").empty()) loc.account = get("AccountName");
  if (!get("AccountKey").empty()) {
    auto key = Base64Decode(get("AccountKey"));
    if (!key) {
      return Err(ErrorCode::kInvalidArgument,
                 "{}: the connection string's AccountKey is not base64", where);
    }
    loc.key = *key;
  }
  if (!get("SharedAccessSignature").empty()) loc.sas_token = SasQuery(get("SharedAccessSignature"));
  if (!get("BlobEndpoint").empty()) {
    loc.endpoint = get("BlobEndpoint");
  } else if (!loc.account.empty()) {
    std::string protocol = get("DefaultEndpointsProtocol");
    std::string suffix = get("EndpointSuffix");
    loc.endpoint = (protocol.empty() ? "https" : protocol) + "://" + loc.account + ".blob." +
                   (suffix.empty() ? "core.windows.net" : suffix);
  }
  return {};
}

std::string Quoted(const std::string& etag) {
  return etag.starts_with('"') ? etag : "\"" + etag + "\"";
}

std::string Unquote(std::string etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return etag;
}

}  // namespace

Result<AzureLocation> AzureLocationOf(const std::string& uri, const Connection& conn) {
  auto where_uri = TRY(ParseBucketUri(uri, "az"));
  AzureLocation loc;
  loc.container = where_uri.bucket;
  loc.prefix = where_uri.prefix;
  std::string where = conn.conn_id.empty() ? uri : "connection '" + conn.conn_id + "'";
  if (!conn.conn_type.empty() && conn.conn_type != "azure_blob" && conn.conn_type != "wasb") {
    return Err(ErrorCode::kInvalidArgument,
               "connection '{}' is of type '{}'; an az:// lake needs an azure_blob (or wasb) "
               "connection",
               conn.conn_id, conn.conn_type);
  }
  // The connection first, field by field.
  if (std::string cs = ExtraText(conn, "connection_string"); !cs.empty()) {
    TRY(ApplyConnectionString(cs, loc, where));
  }
  if (!conn.login.empty()) loc.account = conn.login;
  std::string key_text =
      conn.password.empty() ? ExtraText(conn, "shared_access_key") : conn.password;
  if (!key_text.empty()) {
    auto key = Base64Decode(key_text);
    if (!key) {
      return Err(ErrorCode::kInvalidArgument,
                 "{}: the account key is not base64 (copy it from the storage account's Access "
                 "keys page)",
                 where);
    }
    loc.key = *key;
  }
  if (std::string sas = ExtraText(conn, "sas_token"); !sas.empty()) loc.sas_token = SasQuery(sas);
  std::string endpoint = conn.host.empty() ? ExtraText(conn, "account_url") : conn.host;
  if (!endpoint.empty()) loc.endpoint = endpoint;
  // Then the az CLI's environment variables, for what is still missing.
  if (loc.key.empty() && loc.sas_token.empty()) {
    if (std::string cs = Env("AZURE_STORAGE_CONNECTION_STRING"); !cs.empty()) {
      AzureLocation from_env;
      TRY(ApplyConnectionString(cs, from_env, "AZURE_STORAGE_CONNECTION_STRING"));
      if (loc.account.empty() || loc.account == from_env.account) {
        loc.account = from_env.account;
        loc.key = from_env.key;
        loc.sas_token = from_env.sas_token;
        if (loc.endpoint.empty()) loc.endpoint = from_env.endpoint;
      }
    }
  }
  if (loc.account.empty()) loc.account = Env("AZURE_STORAGE_ACCOUNT");
  if (loc.key.empty() && loc.sas_token.empty()) {
    if (std::string k = Env("AZURE_STORAGE_KEY"); !k.empty()) {
      auto key = Base64Decode(k);
      if (!key) return Err(ErrorCode::kInvalidArgument, "AZURE_STORAGE_KEY is not base64");
      loc.key = *key;
    } else {
      loc.sas_token = SasQuery(Env("AZURE_STORAGE_SAS_TOKEN"));
    }
  }
  std::string which = conn.conn_id.empty() ? std::string(kDefaultAzureConnId) : conn.conn_id;
  if (loc.account.empty() || (loc.key.empty() && loc.sas_token.empty())) {
    return Err(ErrorCode::kFailedPrecondition,
               "no Azure {} for {}: give connection '{}' a login (the storage account) and a "
               "password (an account key) or extra sas_token, or extra connection_string "
               "(weir connections add), or set AZURE_STORAGE_CONNECTION_STRING, or "
               "AZURE_STORAGE_ACCOUNT with AZURE_STORAGE_KEY",
               loc.account.empty() ? "storage account" : "account key or SAS", uri, which);
  }
  if (loc.endpoint.empty()) loc.endpoint = "https://" + loc.account + ".blob.core.windows.net";
  while (loc.endpoint.ends_with('/')) loc.endpoint.pop_back();
  if (!loc.endpoint.starts_with("http://") && !loc.endpoint.starts_with("https://")) {
    return Err(ErrorCode::kInvalidArgument,
               "{}: the Blob endpoint '{}' must start with http:// or https://", where,
               loc.endpoint);
  }
  return loc;
}

AzureObjectStore::AzureObjectStore(AzureLocation location) : loc_(std::move(location)) {
  size_t scheme = loc_.endpoint.find("://") + 3;
  size_t path = loc_.endpoint.find('/', scheme);
  origin_ = loc_.endpoint.substr(0, path);
  account_path_ = path == std::string::npos ? "" : loc_.endpoint.substr(path);
}

std::string AzureObjectStore::uri() const {
  std::string prefix = loc_.prefix;
  if (!prefix.empty()) prefix.pop_back();
  return "az://" + loc_.container + (prefix.empty() ? "" : "/" + prefix);
}

Result<AzureObjectStore::Reply> AzureObjectStore::Send(Call& call) {
  std::string path = account_path_ + (call.account_level ? "/" : "/" + loc_.container);
  if (!call.blob.empty()) path += "/" + PercentEncode(call.blob, {.keep_slash = true});
  std::string query;
  for (const auto& [k, v] : call.query) {
    query += (query.empty() ? "?" : "&") + PercentEncode(k) + "=" + PercentEncode(v);
  }
  if (loc_.key.empty() && !loc_.sas_token.empty()) {
    query += (query.empty() ? "?" : "&") + loc_.sas_token;
  }
  std::string where =
      call.blob.empty() ? "az://" + loc_.container : "az://" + loc_.container + "/" + call.blob;
  ReplyCollector reply(call.to_file, where, {.md5 = true});
  auto attempt = [&](int) -> Result<HttpResponse> {
    HttpRequest req;
    req.url = origin_ + path + query;
    req.method = call.method;
    req.body = call.body;
    req.body_file = call.body_file;
    req.body_offset = call.body_offset;
    req.body_length = call.body_file.empty() ? -1 : call.body_length;
    req.headers = call.headers;
    req.headers["x-ms-version"] = std::string(kApiVersion);
    req.headers["x-ms-date"] =
        HttpDate(std::chrono::time_point_cast<Micros>(std::chrono::system_clock::now()));
    if (!loc_.key.empty()) {
      AzureSignRequest sign{.method = call.method,
                            .path = path,
                            .query = call.query,
                            .headers = req.headers,
                            .content_length = call.body_file.empty()
                                                  ? static_cast<int64_t>(call.body.size())
                                                  : call.body_length};
      req.headers["Authorization"] = AzureSharedKey(sign, loc_.account, loc_.key);
    }
    auto head = Fetch(req, reply.Begin());
    Status closed = reply.End();
    if (head && !closed) return std::unexpected(closed.error());
    return head;
  };
  auto head = WithRetries(loc_.retry, attempt);
  if (!head) return Err(head.error().code, "{} {}: {}", call.method, where, head.error().message);
  if (reply.wrote_file()) {
    FileDigests got = reply.digests();
    call.got_sha256 = got.sha256;
    call.got_md5 = Base64Encode(got.md5);
  }
  return Reply{std::move(*head), std::move(reply.body())};
}

Status AzureObjectStore::Failed(const Reply& reply, std::string_view method,
                                std::string_view where) const {
  std::string text = XmlErrorText(reply.body);
  if (text.empty()) text = reply.head.Header("x-ms-error-code");  // a HEAD has no body
  if (text.empty()) text = reply.head.reason;
  std::string hint;
  if (reply.head.status == 403) {
    hint = loc_.key.empty() ? " (check the SAS token: its permissions, expiry and signature)"
                            : " (check the connection's account name and key)";
  }
  return Err(StoreErrorCode(reply.head.status), "{} {}: HTTP {} {}{}", method, where,
             reply.head.status, text, hint);
}

Result<std::optional<AzureObjectStore::Stat>> AzureObjectStore::StatOf(const std::string& key) {
  Call call{.method = "HEAD", .blob = loc_.prefix + key};
  Reply reply = TRY(Send(call));
  if (reply.head.status == 404) return std::optional<Stat>();
  if (reply.head.status != 200) {
    return std::unexpected(Failed(reply, "HEAD", uri() + "/" + key).error());
  }
  Stat s;
  s.info.key = key;
  s.info.size = reply.head.content_length.value_or(0);
  s.info.etag = Unquote(reply.head.Header("etag"));
  s.info.sha256 = reply.head.Header("x-ms-meta-sha256");
  if (auto t = ParseHttpDate(reply.head.Header("last-modified"))) s.info.modified = *t;
  s.md5 = reply.head.Header("content-md5");
  s.info.md5 = Md5OfBase64(s.md5);
  s.copy_status = reply.head.Header("x-ms-copy-status");
  return std::optional<Stat>(std::move(s));
}

Result<std::optional<ObjectInfo>> AzureObjectStore::Head(const std::string& key) {
  TRY(ValidateKey(key));
  auto s = TRY(StatOf(key));
  if (!s) return std::optional<ObjectInfo>();
  return std::optional<ObjectInfo>(s->info);
}

Status AzureObjectStore::Get(const std::string& key, const std::string& dest) {
  TRY(ValidateKey(key));
  std::string where = uri() + "/" + key;
  std::string temp = TempBeside(dest);
  auto fail = [&](Status s) {
    std::error_code ec;
    std::filesystem::remove(temp, ec);
    return s;
  };
  Call call{.method = "GET", .blob = loc_.prefix + key, .to_file = temp};
  auto reply = Send(call);
  if (!reply) return fail(std::unexpected(reply.error()));
  if (reply->head.status == 404) return fail(Err(ErrorCode::kNotFound, "no object at {}", where));
  if (reply->head.status != 200) return fail(Failed(*reply, "GET", where));
  std::string sha256 = reply->head.Header("x-ms-meta-sha256");
  std::string md5 = reply->head.Header("content-md5");
  std::error_code ec;
  auto size = static_cast<int64_t>(std::filesystem::file_size(temp, ec));
  if (ec || reply->head.content_length.value_or(size) != size ||
      (!sha256.empty() && sha256 != call.got_sha256) || (!md5.empty() && md5 != call.got_md5)) {
    return fail(Err(ErrorCode::kIo,
                    "{} arrived with {} bytes, md5 {} and sha256 {}, not the blob's md5 {} and "
                    "sha256 {}: nothing was written to {}",
                    where, size, call.got_md5, call.got_sha256, md5.empty() ? "(none)" : md5,
                    sha256.empty() ? "(none)" : sha256, dest));
  }
  std::filesystem::rename(temp, dest, ec);
  if (ec) return fail(Err(ErrorCode::kIo, "cannot write {}: {}", dest, ec.message()));
  return {};
}

Result<std::vector<ObjectInfo>> AzureObjectStore::List(const std::string& prefix) {
  std::vector<ObjectInfo> out;
  std::string where = uri() + "/" + prefix;
  std::string marker;
  do {
    Call call{.method = "GET",
              .query = {{"restype", "container"},
                        {"comp", "list"},
                        {"prefix", loc_.prefix + prefix},
                        {"maxresults", std::to_string(loc_.list_page_size)},
                        {"include", "metadata"}}};
    if (!marker.empty()) call.query.emplace_back("marker", marker);
    Reply reply = TRY(Send(call));
    if (reply.head.status != 200) return std::unexpected(Failed(reply, "LIST", where).error());
    pugi::xml_document doc;
    if (!doc.load_buffer(reply.body.data(), reply.body.size())) {
      return Err(ErrorCode::kIo, "LIST {}: the answer is not XML", where);
    }
    pugi::xml_node result = doc.child("EnumerationResults");
    for (pugi::xml_node blob : result.child("Blobs").children("Blob")) {
      std::string name = blob.child_value("Name");
      if (!name.starts_with(loc_.prefix)) continue;
      pugi::xml_node props = blob.child("Properties");
      ObjectInfo info;
      info.key = name.substr(loc_.prefix.size());
      info.size = std::strtoll(props.child_value("Content-Length"), nullptr, 10);
      info.etag = Unquote(props.child_value("Etag"));
      info.sha256 = blob.child("Metadata").child_value("sha256");
      info.md5 = Md5OfBase64(props.child_value("Content-MD5"));
      if (auto t = ParseHttpDate(props.child_value("Last-Modified"))) info.modified = *t;
      out.push_back(std::move(info));
    }
    marker = result.child_value("NextMarker");
  } while (!marker.empty());
  std::ranges::sort(out, {}, &ObjectInfo::key);
  return out;
}

Status AzureObjectStore::Delete(const std::string& key) {
  TRY(ValidateKey(key));
  Call call{.method = "DELETE", .blob = loc_.prefix + key};
  Reply reply = TRY(Send(call));
  if (reply.head.status == 202 || reply.head.status == 200 || reply.head.status == 404) return {};
  return Failed(reply, "DELETE", uri() + "/" + key);
}

Result<ObjectInfo> AzureObjectStore::Copy(const std::string& from_key, const std::string& to_key) {
  return CopyBlob(*this, from_key, to_key);
}

Result<std::optional<ObjectInfo>> AzureObjectStore::CopyFrom(ObjectStore& source,
                                                             const ObjectInfo& from,
                                                             const std::string& key) {
  auto* azure = dynamic_cast<AzureObjectStore*>(&source);
  // Within one account, this request's authorization covers the source (or the source's
  // SAS travels in its URL).
  if (azure == nullptr || azure->origin_ != origin_ || azure->account_path_ != account_path_ ||
      azure->loc_.account != loc_.account ||
      (azure->loc_.sas_token.empty() && azure->loc_.key != loc_.key)) {
    return std::nullopt;
  }
  return CopyBlob(*azure, from.key, key);
}

Result<ObjectInfo> AzureObjectStore::CopyBlob(AzureObjectStore& source, const std::string& from_key,
                                              const std::string& to_key) {
  TRY(ValidateKey(from_key));
  TRY(ValidateKey(to_key));
  std::string where = uri() + "/" + to_key;
  std::string from_uri = source.uri() + "/" + from_key;
  auto from = TRY(source.StatOf(from_key));
  if (!from) return Err(ErrorCode::kNotFound, "no object at {} to copy", from_uri);
  // Copy Blob within the account: the request's own authorization covers the source; a SAS
  // travels in the source URL.
  std::string copy_source = source.origin_ + source.account_path_ + "/" + source.loc_.container +
                            "/" +
                            PercentEncode(source.loc_.prefix + from_key, {.keep_slash = true});
  if (source.loc_.key.empty() && !source.loc_.sas_token.empty()) {
    copy_source += "?" + source.loc_.sas_token;
  }
  Call call{.method = "PUT",
            .blob = loc_.prefix + to_key,
            .headers = {{"x-ms-copy-source", copy_source},
                        {"x-ms-source-if-match", Quoted(from->info.etag)}}};
  Reply reply = TRY(Send(call));
  if (reply.head.status == 404) {
    return Err(ErrorCode::kNotFound, "no object at {} to copy", from_uri);
  }
  if (reply.head.status == 412) {
    return Err(ErrorCode::kUnavailable, "{} changed while it was copied to {}; try again", from_uri,
               where);
  }
  if (reply.head.status != 202 && reply.head.status != 201) {
    return std::unexpected(Failed(reply, "COPY to", where).error());
  }
  // Azure may copy in the background ("pending"): wait for the blob to say how it ended.
  std::string status = reply.head.Header("x-ms-copy-status");
  std::chrono::milliseconds wait{50};
  for (int polls = 0; status == "pending"; ++polls) {
    if (polls >= 2000) {
      return Err(ErrorCode::kTimeout, "COPY to {}: still pending after {} checks", where, polls);
    }
    std::this_thread::sleep_for(wait);
    wait = std::min<std::chrono::milliseconds>(wait * 2, std::chrono::seconds(2));
    auto now = TRY(StatOf(to_key));
    status = now ? now->copy_status : "missing";
  }
  if (!status.empty() && status != "success") {
    return Err(ErrorCode::kIo, "COPY to {}: Azure ended the copy as {}", where, status);
  }
  auto done = TRY(StatOf(to_key));
  if (!done) return Err(ErrorCode::kIo, "{} is missing right after it was copied", where);
  return done->info;
}

Result<std::vector<std::string>> AzureObjectStore::ListContainers() {
  std::vector<std::string> names;
  std::string marker;
  do {
    Call call{.method = "GET", .account_level = true, .query = {{"comp", "list"}}};
    if (!marker.empty()) call.query.emplace_back("marker", marker);
    Reply reply = TRY(Send(call));
    if (reply.head.status != 200) {
      return std::unexpected(Failed(reply, "LIST containers of", loc_.endpoint).error());
    }
    pugi::xml_document doc;
    if (!doc.load_buffer(reply.body.data(), reply.body.size())) {
      return Err(ErrorCode::kIo, "LIST containers of {}: the answer is not XML", loc_.endpoint);
    }
    pugi::xml_node result = doc.child("EnumerationResults");
    for (pugi::xml_node c : result.child("Containers").children("Container")) {
      names.emplace_back(c.child_value("Name"));
    }
    marker = result.child_value("NextMarker");
  } while (!marker.empty());
  return names;
}

}  // namespace weir
