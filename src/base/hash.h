#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace weir {

// The SHA-256 of `data` as 64 lowercase hex digits. Used to tell versions of a DAG file
// apart (one DAG version per distinct hash). Never fails.
std::string Sha256Hex(std::string_view data);

// HMAC-SHA256 (RFC 2104) of `data` under `key` (any length): the 32 raw bytes.
std::string HmacSha256(std::string_view key, std::string_view data);
// `bytes` as lowercase hex.
std::string HexOf(std::string_view bytes);

// SHA-256 fed in pieces, for files streamed with bounded memory (OpenSSL's, as Sha256Hex).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Update(std::string_view data);
  // The digest as 64 lowercase hex digits; the object must not be updated afterwards.
  std::string HexDigest();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// MD5 fed in pieces (OpenSSL), for the stores that name an object or a part by its MD5 (S3's
// ETags, GCS's md5Hash, Azure's Content-MD5). Not for anything that must resist forgery.
class Md5 {
 public:
  Md5();
  ~Md5();
  Md5(const Md5&) = delete;
  Md5& operator=(const Md5&) = delete;
  void Update(std::string_view data);
  // The 16 raw bytes; the object must not be updated afterwards.
  std::string Digest();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// CRC-32C (Castagnoli, as iSCSI and GCS's crc32c use) fed in pieces: the CPU's crc32
// instruction where it has one (SSE 4.2), a table otherwise.
class Crc32c {
 public:
  void Update(std::string_view data);
  uint32_t Value() const { return ~crc_; }
  // The value as GCS writes it: base64 of its four bytes, most significant first.
  std::string Base64() const;

 private:
  uint32_t crc_ = 0xFFFFFFFFu;
};

}  // namespace weir
