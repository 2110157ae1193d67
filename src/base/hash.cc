#include "base/hash.h"

#include <openssl/evp.h>
#include <sodium.h>

namespace weir {

namespace {

std::string Hex(const unsigned char* digest, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xf]);
  }
  return out;
}

}  // namespace

// crypto_hash_sha256 needs no sodium_init(): it uses no random numbers or CPU dispatch.
std::string Sha256Hex(std::string_view data) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  return Hex(digest, sizeof digest);
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(data.data()),
                                data.size());
  std::string mac(crypto_auth_hmacsha256_BYTES, '\0');
  crypto_auth_hmacsha256_final(&st, reinterpret_cast<unsigned char*>(mac.data()));
  return mac;
}

std::string HexOf(std::string_view bytes) {
  return Hex(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
}

struct Sha256::State {
  crypto_hash_sha256_state st;
};

Sha256::Sha256() : state_(std::make_unique<State>()) { crypto_hash_sha256_init(&state_->st); }
Sha256::~Sha256() = default;

void Sha256::Update(std::string_view data) {
  crypto_hash_sha256_update(&state_->st, reinterpret_cast<const unsigned char*>(data.data()),
                            data.size());
}

std::string Sha256::HexDigest() {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&state_->st, digest);
  return Hex(digest, sizeof digest);
}

struct Md5::State {
  EVP_MD_CTX* ctx = nullptr;
};

Md5::Md5() : state_(std::make_unique<State>()) {
  state_->ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(state_->ctx, EVP_md5(), nullptr);
}

Md5::~Md5() { EVP_MD_CTX_free(state_->ctx); }

void Md5::Update(std::string_view data) { EVP_DigestUpdate(state_->ctx, data.data(), data.size()); }

std::string Md5::Digest() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_DigestFinal_ex(state_->ctx, digest, &size);
  return std::string(reinterpret_cast<const char*>(digest), size);
}

}  // namespace weir
