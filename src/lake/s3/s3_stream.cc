// S3's side of a copy between stores that never lands in a file: an object put from a stream,
// in one PUT or in parts held in memory one at a time.
#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "base/hash.h"
#include "base/url.h"
#include "lake/cloud_common.h"
#include "lake/s3/s3_internal.h"

namespace weir {

namespace {

constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";

// The raw bytes of an MD5 in lowercase hex (LooksLikeMd5).
std::string Md5Bytes(std::string_view hex) {
  auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>((nibble(hex[i]) << 4) | nibble(hex[i + 1]));
  }
  return out;
}

std::string Md5Of(std::string_view data) {
  Md5 md5;
  md5.Update(data);
  return md5.Digest();
}

// Fills `out` with exactly `length` bytes of `read`; kIo when it ends first.
Status Fill(const ByteReader& read, std::string& out, int64_t length) {
  out.resize(static_cast<size_t>(length));
  size_t have = 0;
  while (have < out.size()) {
    size_t got = TRY(read(out.data() + have, out.size() - have));
    if (got == 0) return Err(ErrorCode::kIo, "the stream ended {} bytes early", out.size() - have);
    have += got;
  }
  return {};
}

}  // namespace

Result<ObjectInfo> S3ObjectStore::PutStream(const std::string& key, const ObjectInfo& object,
                                            const ByteReader& read) {
  TRY(ValidateKey(key));
  std::string where = uri() + "/" + key;
  if (object.size > kMaxObject) {
    return Err(ErrorCode::kInvalidArgument,
               "{} bytes are more than an S3 object holds (5 TiB): nothing was published at {}",
               object.size, where);
  }
  // A Content-MD5 needs the MD5 first: one the object's store gave, or the empty one's.
  std::string md5 = object.size == 0 ? HexOf(Md5Of("")) : object.md5;
  if (!LooksLikeMd5(md5)) md5.clear();
  if (md5.empty() || object.size > std::min(loc_.stream_put_threshold, kMaxSinglePut)) {
    return PutStreamInParts(key, object, read);
  }
  // One PUT's ETag is its MD5: no x-amz-meta-md5.
  std::map<std::string, std::string> headers = NewObjectHeaders(object.sha256, "");
  headers["Content-MD5"] = Base64Encode(Md5Bytes(md5));
  Call call{.method = "PUT",
            .key = loc_.prefix + key,
            .headers = std::move(headers),
            .body_length = object.size,
            .payload_sha256 = std::string(kUnsignedPayload),
            .body_reader = read};
  S3Reply reply = TRY(Send(call));
  // S3 refuses a body whose MD5 is not the Content-MD5 (400 BadDigest) and stores nothing.
  if (reply.head.status != 200) return std::unexpected(Failed(reply, "PUT", where).error());
  auto stored = TRY(Head(key));
  if (!stored || stored->size != object.size || stored->md5 != md5) {
    (void)Delete(key);
    return Err(ErrorCode::kIo,
               "{} was stored with {} bytes and MD5 {} after {} bytes with MD5 {} were sent: the "
               "object was removed",
               where, stored ? stored->size : 0, stored ? stored->md5 : "none", object.size, md5);
  }
  stored->sha256 = object.sha256;
  return *stored;
}

Result<ObjectInfo> S3ObjectStore::PutStreamInParts(const std::string& key, const ObjectInfo& object,
                                                   const ByteReader& read) {
  std::string where = uri() + "/" + key;
  const int64_t part_size = PartSizeFor(object.size, loc_.part_size, kMaxParts);
  const int n = static_cast<int>((object.size + part_size - 1) / part_size);
  std::string full = loc_.prefix + key;
  std::optional<Md5> whole;  // the MD5 the metadata will state must be the bytes'
  if (LooksLikeMd5(object.md5)) whole.emplace();
  std::string upload_id = TRY(BeginUpload(full, NewObjectHeaders(object.sha256, object.md5)));
  std::vector<std::string> md5s(static_cast<size_t>(n));
  std::string part;  // one part at a time: parts are sent in order, the stream read once
  auto send_part = [&](int i) -> Result<std::string> {
    int64_t length = std::min(part_size, object.size - i * part_size);
    std::string part_where = fmt::format("{} part {} of {}", where, i + 1, n);
    if (Status filled = Fill(read, part, length); !filled) {
      return std::unexpected(filled.error().Wrap("UploadPart " + part_where));
    }
    md5s[static_cast<size_t>(i)] = Md5Of(part);
    if (whole) whole->Update(part);
    if (whole && i == n - 1 && HexOf(whole->Digest()) != object.md5) {
      return Err(ErrorCode::kIo,
                 "UploadPart {}: the bytes sent have not the MD5 {} they were "
                 "said to have",
                 part_where, object.md5);
    }
    Call call{.method = "PUT",
              .key = full,
              .query = {{"partNumber", std::to_string(i + 1)}, {"uploadId", upload_id}},
              .headers = {{"Content-MD5", Base64Encode(md5s[static_cast<size_t>(i)])}},
              .body = std::move(part),
              .payload_sha256 = std::string(kUnsignedPayload)};
    S3Reply reply = TRY(Send(call));
    part = std::move(call.body);  // the buffer serves the next part
    if (reply.head.status != 200) {
      return std::unexpected(Failed(reply, "UploadPart", part_where).error());
    }
    std::string etag = Unquoted(reply.head.Header("etag"));
    TRY(CheckPartEtag(etag, md5s[static_cast<size_t>(i)], part_where));
    return etag;
  };
  TRY(SendParts(full, upload_id, n, 1, send_part));
  ObjectInfo stored = TRY(CheckUploaded(key, object.size, md5s));
  stored.sha256 = object.sha256;
  return stored;
}

}  // namespace weir
