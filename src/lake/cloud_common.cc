#include "lake/cloud_common.h"

#include <fmt/format.h>
#include <unistd.h>
#include <pugixml.hpp>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include "base/hash.h"
#include "base/json.h"
#include "base/url.h"
#include "net/retry.h"

namespace weir {

Result<FileDigests> DigestFile(const std::string& path, DigestsWanted wanted) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Err(ErrorCode::kIo, "cannot read {}: {}", path, std::strerror(errno));
  Sha256 sha;
  Md5 md5;
  Crc32c crc;
  FileDigests d;
  constexpr int64_t kPiece = 1 << 20;
  std::string buf(kPiece, '\0');
  in.seekg(wanted.offset);
  int64_t left = wanted.length < 0 ? INT64_MAX : wanted.length;
  while (in && left > 0) {
    in.read(buf.data(), static_cast<std::streamsize>(std::min(left, kPiece)));
    std::streamsize n = in.gcount();
    if (n <= 0) break;
    left -= n;
    std::string_view piece(buf.data(), static_cast<size_t>(n));
    sha.Update(piece);
    if (wanted.md5) md5.Update(piece);
    if (wanted.crc32c) crc.Update(piece);
    d.size += n;
  }
  if (in.bad()) return Err(ErrorCode::kIo, "cannot read {}: {}", path, std::strerror(errno));
  if (wanted.length >= 0 && left != 0) {
    return Err(ErrorCode::kIo, "{} ended {} bytes early (did it change while it was sent?)", path,
               left);
  }
  d.sha256 = sha.HexDigest();
  if (wanted.md5) d.md5 = md5.Digest();
  if (wanted.crc32c) d.crc32c = crc.Base64();
  return d;
}

ErrorCode StoreErrorCode(int status) {
  switch (status) {
    case 400:
      return ErrorCode::kInvalidArgument;
    case 401:
    case 403:
      return ErrorCode::kFailedPrecondition;
    case 404:
      return ErrorCode::kNotFound;
    case 409:
    case 412:
      return ErrorCode::kAlreadyExists;
    default:
      return RetryableStatus(status) ? ErrorCode::kUnavailable : ErrorCode::kIo;
  }
}

std::string GoogleErrorText(std::string_view body) {
  auto json = ParseJson(body, "Google error");
  if (!json || !json->is_object() || !json->contains("error") || !(*json)["error"].is_object()) {
    return "";
  }
  const Json& error = (*json)["error"];
  auto text = [](const Json& j, const char* name) {
    auto it = j.find(name);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  std::string reason;
  if (error.contains("errors") && error["errors"].is_array() && !error["errors"].empty() &&
      error["errors"][0].is_object()) {
    reason = text(error["errors"][0], "reason");
  }
  std::string message = text(error, "message");
  return reason.empty() ? message : reason + ": " + message;
}

std::string XmlErrorText(std::string_view body) {
  pugi::xml_document doc;
  if (!doc.load_buffer(body.data(), body.size())) return "";
  pugi::xml_node error = doc.child("Error");
  if (!error) return "";
  std::string code = error.child_value("Code");
  std::string message = error.child_value("Message");
  // Azure's messages end with "\nRequestId:...\nTime:...": the first line says it.
  message = message.substr(0, message.find('\n'));
  return message.empty() ? code : code + ": " + message;
}

ReplyCollector::ReplyCollector(std::string to_file, std::string where, DigestsWanted wanted)
    : to_file_(std::move(to_file)), where_(std::move(where)), wanted_(wanted) {}

namespace {
constexpr size_t kMaxReplyBody = size_t{32} << 20;  // a page of 1,000 keys is about 1 MB
}  // namespace

HttpSink ReplyCollector::Begin() {
  body_.clear();
  to_file_open_ = false;
  size_ = 0;
  out_.reset();
  sha_ = std::make_unique<Sha256>();
  md5_ = std::make_unique<Md5>();
  crc_ = Crc32c{};
  return HttpSink{[this](const HttpResponse& head) -> Status {
                    to_file_open_ = !to_file_.empty() && head.status / 100 == 2;
                    if (to_file_open_) {
                      out_ = std::make_unique<std::ofstream>(to_file_,
                                                             std::ios::binary | std::ios::trunc);
                      if (!*out_) return Err(ErrorCode::kIo, "cannot write {}", to_file_);
                    }
                    return {};
                  },
                  [this](std::string_view piece) -> Status {
                    if (!to_file_open_) {
                      if (body_.size() + piece.size() > kMaxReplyBody) {
                        return Err(ErrorCode::kIo, "{}: the answer is larger than {} bytes", where_,
                                   kMaxReplyBody);
                      }
                      body_.append(piece);
                      return {};
                    }
                    sha_->Update(piece);
                    if (wanted_.md5) md5_->Update(piece);
                    if (wanted_.crc32c) crc_.Update(piece);
                    size_ += static_cast<int64_t>(piece.size());
                    out_->write(piece.data(), static_cast<std::streamsize>(piece.size()));
                    if (!*out_) return Err(ErrorCode::kIo, "cannot write {}", to_file_);
                    return {};
                  }};
}

Status ReplyCollector::End() {
  if (!out_) return {};
  out_->close();
  bool ok = static_cast<bool>(*out_);
  out_.reset();
  if (!ok) return Err(ErrorCode::kIo, "cannot write {}", to_file_);
  return {};
}

FileDigests ReplyCollector::digests() {
  FileDigests d;
  d.size = size_;
  d.sha256 = sha_ ? sha_->HexDigest() : "";
  if (wanted_.md5 && md5_) d.md5 = md5_->Digest();
  if (wanted_.crc32c) d.crc32c = crc_.Base64();
  return d;
}

std::string TempBeside(const std::string& dest) {
  return fmt::format("{}.weir-tmp-{}-{:x}", dest, getpid(), std::random_device{}());
}

int64_t PartSizeFor(int64_t size, int64_t wanted, int max_parts) {
  int64_t least = (size + max_parts - 1) / max_parts;
  least = (least + (1 << 20) - 1) / (1 << 20) * (1 << 20);
  return std::max(wanted, least);
}

Status ForEachInParallel(int n, int threads, const std::function<Status(int)>& work) {
  std::atomic<int> next{0};
  std::atomic<bool> failed{false};
  std::mutex mu;
  std::optional<Error> first_error;
  auto worker = [&] {
    for (int i = next++; i < n && !failed; i = next++) {
      Status done = work(i);
      if (done) continue;
      failed = true;
      std::lock_guard lock(mu);
      if (!first_error) first_error = done.error();
    }
  };
  int count = std::clamp(threads, 1, std::max(n, 1));
  std::vector<std::thread> pool;
  pool.reserve(static_cast<size_t>(count - 1));
  for (int t = 1; t < count; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  if (first_error) return std::unexpected(*first_error);
  return {};
}

}  // namespace weir
