// Putting a file in an Azure container: one Put Blob, or blocks and a Put Block List.
#include <fmt/format.h>
#include <pugixml.hpp>

#include <random>
#include <sstream>

#include "base/url.h"
#include "lake/azure/azure_store.h"
#include "lake/cloud_common.h"

namespace weir {

Result<ObjectInfo> AzureObjectStore::Put(const std::string& key, const std::string& source,
                                         const PutOptions& options) {
  TRY(ValidateKey(key));
  std::string where = uri() + "/" + key;
  FileDigests d = TRY(DigestFile(source, {.md5 = true}));
  std::string md5 = Base64Encode(d.md5);
  if (!options.expected_sha256.empty() && d.sha256 != options.expected_sha256) {
    return Err(ErrorCode::kInvalidArgument, "{} has sha256 {}, expected {}: nothing was published",
               source, d.sha256, options.expected_sha256);
  }
  if (d.size > kMaxBlocks * kMaxBlock) {
    return Err(ErrorCode::kInvalidArgument,
               "{} is {} bytes, more than an Azure block blob holds: nothing was published", source,
               d.size);
  }
  if (d.size > loc_.single_put_max) {
    return PutBlocks(key, source, d.sha256, md5, d.size);
  }
  // Azure checks the body against Content-MD5 before it stores anything.
  Call call{.method = "PUT",
            .blob = loc_.prefix + key,
            .headers = {{"x-ms-blob-type", "BlockBlob"},
                        {"Content-Type", "application/octet-stream"},
                        {"Content-MD5", md5},
                        {"x-ms-meta-sha256", d.sha256}},
            .body_file = source,
            .body_length = d.size};
  Reply reply = TRY(Send(call));
  if (reply.head.status != 201) return std::unexpected(Failed(reply, "PUT", where).error());
  // End to end: what Azure holds must be what was read.
  auto stored = TRY(StatOf(key));
  if (!stored || stored->info.size != d.size || stored->info.sha256 != d.sha256 ||
      (!stored->md5.empty() && stored->md5 != md5)) {
    (void)Delete(key);
    return Err(ErrorCode::kIo,
               "{} was stored with {} bytes and md5 {} after {} bytes with md5 {} were sent: the "
               "blob was removed",
               where, stored ? stored->info.size : 0, stored ? stored->md5 : "none", d.size, md5);
  }
  return stored->info;
}

Result<ObjectInfo> AzureObjectStore::PutBlocks(const std::string& key, const std::string& source,
                                               const std::string& sha256, const std::string& md5,
                                               int64_t size) {
  std::string where = uri() + "/" + key;
  const int64_t block_size = PartSizeFor(size, loc_.block_size, kMaxBlocks);
  const int n = static_cast<int>((size + block_size - 1) / block_size);
  // Block ids are base64 of one length; this upload's own random part keeps another writer's
  // uncommitted blocks of the same blob out of its list.
  std::mt19937_64 random(std::random_device{}());
  std::string upload = fmt::format("{:016x}", random());
  std::vector<std::string> ids(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    ids[static_cast<size_t>(i)] = Base64Encode(fmt::format("weir-{}-{:06}", upload, i));
  }
  Status sent = ForEachInParallel(n, loc_.parallel_blocks, [&](int i) -> Status {
    int64_t offset = i * block_size;
    int64_t length = std::min(block_size, size - offset);
    FileDigests block = TRY(DigestFile(source, {.md5 = true, .offset = offset, .length = length}));
    Call call{.method = "PUT",
              .blob = loc_.prefix + key,
              .query = {{"comp", "block"}, {"blockid", ids[static_cast<size_t>(i)]}},
              .headers = {{"Content-MD5", Base64Encode(block.md5)},
                          {"Content-Type", "application/octet-stream"}},
              .body_file = source,
              .body_offset = offset,
              .body_length = length};
    Reply reply = TRY(Send(call));
    if (reply.head.status != 201) {
      return Failed(reply, fmt::format("PUT block {} of {} of", i + 1, n), where);
    }
    return {};
  });
  auto nothing_published = [&](const Error& e) {
    return Err(e.code,
               "{}: nothing was published (the blocks sent stay uncommitted, invisible, and "
               "Azure discards them within a week)",
               e.message);
  };
  if (!sent) return nothing_published(sent.error());

  pugi::xml_document doc;
  pugi::xml_node list = doc.append_child("BlockList");
  for (const std::string& id : ids) list.append_child("Latest").text().set(id.c_str());
  std::ostringstream xml;
  doc.save(xml, "", pugi::format_raw);
  Call commit{.method = "PUT",
              .blob = loc_.prefix + key,
              .query = {{"comp", "blocklist"}},
              .headers = {{"Content-Type", "application/xml"},
                          {"x-ms-blob-content-type", "application/octet-stream"},
                          {"x-ms-blob-content-md5", md5},
                          {"x-ms-meta-sha256", sha256}},
              .body = xml.str()};
  auto reply = Send(commit);
  if (!reply) return nothing_published(reply.error());
  if (reply->head.status != 201) {
    return nothing_published(Failed(*reply, "PUT block list of", where).error());
  }
  auto stored = TRY(StatOf(key));
  if (!stored || stored->info.size != size || stored->info.sha256 != sha256) {
    (void)Delete(key);
    return Err(ErrorCode::kIo,
               "{} was committed with {} bytes after {} bytes were sent: the blob was removed",
               where, stored ? stored->info.size : 0, size);
  }
  return stored->info;
}

}  // namespace weir
