// S3's multipart uploads: a large file in parts sent several at once, a large object copied in
// parts, and the uploads a killed process left behind.
#include <fmt/format.h>
#include <pugixml.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "base/hash.h"
#include "lake/cloud_common.h"
#include "lake/s3/s3_internal.h"

namespace weir {

std::string MultipartEtag(const std::vector<std::string>& part_md5s) {
  Md5 all;
  for (const auto& m : part_md5s) all.Update(m);
  return fmt::format("{}-{}", HexOf(all.Digest()), part_md5s.size());
}

std::map<std::string, std::string> NewObjectHeaders(const std::string& sha256,
                                                    const std::string& md5) {
  std::map<std::string, std::string> headers{{"Content-Type", "application/octet-stream"}};
  if (!sha256.empty()) headers["x-amz-meta-sha256"] = sha256;
  if (LooksLikeMd5(md5)) headers["x-amz-meta-md5"] = md5;
  return headers;
}

bool LooksLikeMd5(std::string_view etag) {
  return etag.size() == 32 && std::ranges::all_of(etag, [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

Result<std::string> S3ObjectStore::BeginUpload(const std::string& key,
                                               const std::map<std::string, std::string>& headers) {
  Call call{.method = "POST", .key = key, .query = {{"uploads", ""}}, .headers = headers};
  S3Reply reply = TRY(Send(call));
  std::string where = fmt::format("s3://{}/{}", loc_.bucket, key);
  if (reply.head.status != 200) {
    return std::unexpected(Failed(reply, "CreateMultipartUpload", where).error());
  }
  pugi::xml_document doc;
  doc.load_buffer(reply.body.data(), reply.body.size());
  std::string id = doc.child("InitiateMultipartUploadResult").child_value("UploadId");
  if (id.empty()) {
    return Err(ErrorCode::kIo, "CreateMultipartUpload {}: the answer names no UploadId", where);
  }
  return id;
}

Result<std::vector<std::string>> S3ObjectStore::SendParts(
    const std::string& key, const std::string& upload_id, int n, int threads,
    const std::function<Result<std::string>(int part)>& send_part) {
  std::string where = fmt::format("s3://{}/{}", loc_.bucket, key);
  std::vector<std::string> etags(static_cast<size_t>(n));
  Status sent = ForEachInParallel(n, threads, [&](int i) -> Status {
    etags[static_cast<size_t>(i)] = TRY(send_part(i));
    return {};
  });

  auto abort_with = [&](const Error& error) -> Result<std::vector<std::string>> {
    Status aborted = AbortUpload(S3Upload{key.substr(loc_.prefix.size()), upload_id, {}});
    std::string also = aborted ? ""
                               : fmt::format(" (and aborting upload {} failed: {})", upload_id,
                                             aborted.error().message);
    return Err(error.code, "{}: the upload was aborted, nothing was published{}", error.message,
               also);
  };
  if (!sent) return abort_with(sent.error());

  pugi::xml_document doc;
  pugi::xml_node complete = doc.append_child("CompleteMultipartUpload");
  for (int i = 0; i < n; ++i) {
    pugi::xml_node part = complete.append_child("Part");
    part.append_child("PartNumber").text().set(i + 1);
    part.append_child("ETag").text().set(("\"" + etags[static_cast<size_t>(i)] + "\"").c_str());
  }
  std::ostringstream xml;
  doc.save(xml, "", pugi::format_raw | pugi::format_no_declaration);
  std::string body = xml.str();
  Call call{.method = "POST",
            .key = key,
            .query = {{"uploadId", upload_id}},
            .headers = {{"Content-Type", "application/xml"}},
            .body = body,
            .payload_sha256 = Sha256Hex(body)};
  auto reply = Send(call);
  if (!reply) return abort_with(reply.error());
  // Completing can fail after its 200 has been sent: the body then holds an <Error>.
  if (reply->head.status != 200 || !XmlErrorText(reply->body).empty()) {
    return abort_with(Failed(*reply, "CompleteMultipartUpload", where).error());
  }
  return etags;
}

Result<ObjectInfo> S3ObjectStore::PutInParts(const std::string& key, const std::string& source,
                                             const std::string& sha256, int64_t size,
                                             const std::string& md5) {
  std::string where = uri() + "/" + key;
  const int64_t part_size = PartSizeFor(size, loc_.part_size, kMaxParts);
  const int n = static_cast<int>((size + part_size - 1) / part_size);
  std::string full = loc_.prefix + key;
  std::string upload_id = TRY(BeginUpload(full, NewObjectHeaders(sha256, md5)));
  std::vector<std::string> md5s(static_cast<size_t>(n));
  auto send_part = [&](int i) -> Result<std::string> {
    int64_t offset = i * part_size;
    int64_t length = std::min(part_size, size - offset);
    FileDigests part = TRY(DigestFile(source, {.md5 = true, .offset = offset, .length = length}));
    const std::string& part_sha = part.sha256;
    const std::string& part_md5 = part.md5;
    md5s[static_cast<size_t>(i)] = part_md5;
    Call call{.method = "PUT",
              .key = full,
              .query = {{"partNumber", std::to_string(i + 1)}, {"uploadId", upload_id}},
              .body_file = source,
              .body_offset = offset,
              .body_length = length,
              .payload_sha256 = part_sha};
    S3Reply reply = TRY(Send(call));
    std::string part_where = fmt::format("{} part {} of {}", where, i + 1, n);
    if (reply.head.status != 200) {
      return std::unexpected(Failed(reply, "UploadPart", part_where).error());
    }
    // The part as stored must be the bytes read: S3 names a part by its MD5.
    std::string etag = Unquoted(reply.head.Header("etag"));
    TRY(CheckPartEtag(etag, part_md5, part_where));
    return etag;
  };
  TRY(SendParts(full, upload_id, n, loc_.parallel_parts, send_part));
  ObjectInfo stored = TRY(CheckUploaded(key, size, md5s));
  stored.sha256 = sha256;
  return stored;
}

Result<ObjectInfo> S3ObjectStore::CheckUploaded(const std::string& key, int64_t size,
                                                const std::vector<std::string>& part_md5s) {
  auto stored = TRY(Head(key));
  std::string expected_etag = MultipartEtag(part_md5s);
  bool etag_differs =
      stored && stored->etag.find('-') != std::string::npos && stored->etag != expected_etag;
  if (!stored || stored->size != size || etag_differs) {
    (void)Delete(key);
    return Err(ErrorCode::kIo,
               "{}/{} was stored with {} bytes and ETag {} after {} bytes in {} parts (ETag {}) "
               "were sent: the object was removed",
               uri(), key, stored ? stored->size : 0, stored ? stored->etag : "none", size,
               part_md5s.size(), expected_etag);
  }
  return *stored;
}

Status CheckPartEtag(const std::string& etag, const std::string& part_md5,
                     const std::string& part_where) {
  if (LooksLikeMd5(etag) && etag != HexOf(part_md5)) {
    return Err(ErrorCode::kIo, "UploadPart {}: stored with MD5 {}, sent with {}", part_where, etag,
               HexOf(part_md5));
  }
  return {};
}

Result<ObjectInfo> S3ObjectStore::CopyInParts(const S3ObjectStore& source,
                                              const std::string& from_key,
                                              const std::string& to_key, const ObjectInfo& from) {
  std::string where = uri() + "/" + to_key;
  const int64_t part_size = PartSizeFor(from.size, loc_.copy_part_size, kMaxParts);
  const int n = static_cast<int>((from.size + part_size - 1) / part_size);
  std::string full = loc_.prefix + to_key;
  std::string upload_id = TRY(BeginUpload(full, NewObjectHeaders(from.sha256, from.md5)));
  std::string copy_source =
      "/" + source.loc_.bucket + "/" + S3EncodePath(source.loc_.prefix + from_key);
  auto copy_part = [&](int i) -> Result<std::string> {
    int64_t first = i * part_size;
    int64_t last = std::min(from.size, first + part_size) - 1;
    Call call{.method = "PUT",
              .key = full,
              .query = {{"partNumber", std::to_string(i + 1)}, {"uploadId", upload_id}},
              .headers = {{"x-amz-copy-source", copy_source},
                          {"x-amz-copy-source-range", fmt::format("bytes={}-{}", first, last)},
                          // The source must not change under the copy.
                          {"x-amz-copy-source-if-match", "\"" + from.etag + "\""}}};
    S3Reply reply = TRY(Send(call));
    std::string part_where = fmt::format("{} part {} of {}", where, i + 1, n);
    if (reply.head.status != 200 || !XmlErrorText(reply.body).empty()) {
      return std::unexpected(Failed(reply, "UploadPartCopy", part_where).error());
    }
    pugi::xml_document doc;
    doc.load_buffer(reply.body.data(), reply.body.size());
    std::string etag = Unquoted(doc.child("CopyPartResult").child_value("ETag"));
    if (etag.empty()) {
      return Err(ErrorCode::kIo, "UploadPartCopy {}: the answer names no ETag", part_where);
    }
    return etag;
  };
  TRY(SendParts(full, upload_id, n, loc_.parallel_parts, copy_part));
  auto stored = TRY(Head(to_key));
  if (!stored || stored->size != from.size) {
    (void)Delete(to_key);
    return Err(ErrorCode::kIo, "{} was copied with {} bytes from {} bytes: the copy was removed",
               where, stored ? stored->size : 0, from.size);
  }
  return *stored;
}

Result<std::vector<S3Upload>> S3ObjectStore::ListUploads(const std::string& prefix) {
  std::vector<S3Upload> out;
  std::string key_marker, id_marker;
  for (;;) {
    Call call{.method = "GET", .key = ""};
    call.query = {{"uploads", ""}, {"prefix", loc_.prefix + prefix}};
    if (!key_marker.empty()) {
      call.query.emplace_back("key-marker", key_marker);
      call.query.emplace_back("upload-id-marker", id_marker);
    }
    S3Reply reply = TRY(Send(call));
    if (reply.head.status != 200) {
      return std::unexpected(Failed(reply, "ListMultipartUploads", uri() + "/" + prefix).error());
    }
    pugi::xml_document doc;
    if (!doc.load_buffer(reply.body.data(), reply.body.size())) {
      return Err(ErrorCode::kIo, "ListMultipartUploads {}/{}: the answer is not XML", uri(),
                 prefix);
    }
    pugi::xml_node result = doc.child("ListMultipartUploadsResult");
    for (pugi::xml_node u : result.children("Upload")) {
      std::string full = u.child_value("Key");
      if (!full.starts_with(loc_.prefix)) continue;
      S3Upload upload;
      upload.key = full.substr(loc_.prefix.size());
      upload.upload_id = u.child_value("UploadId");
      if (auto t = ParseDateTime(u.child_value("Initiated"))) upload.initiated = *t;
      out.push_back(std::move(upload));
    }
    if (std::string(result.child_value("IsTruncated")) != "true") break;
    key_marker = result.child_value("NextKeyMarker");
    id_marker = result.child_value("NextUploadIdMarker");
    if (key_marker.empty()) break;
  }
  std::ranges::sort(out, {}, &S3Upload::initiated);
  return out;
}

Status S3ObjectStore::AbortUpload(const S3Upload& upload) {
  Call call{.method = "DELETE",
            .key = loc_.prefix + upload.key,
            .query = {{"uploadId", upload.upload_id}}};
  S3Reply reply = TRY(Send(call));
  if (reply.head.status == 204 || reply.head.status == 200 || reply.head.status == 404) return {};
  return Failed(reply, "AbortMultipartUpload", uri() + "/" + upload.key);
}

}  // namespace weir
