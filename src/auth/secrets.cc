#include "auth/secrets.h"

#include <sodium.h>

#include <cstdlib>

#include "base/log.h"

namespace weir {

namespace {

// sodium_init() picks the random source and is safe to call from several threads; it fails
// only when the system has no usable generator, and weir cannot make secrets without one.
void InitSodium() {
  static const bool ok = sodium_init() >= 0;
  if (!ok) {
    Log::Error("libsodium could not be initialised: no secure random numbers");
    std::abort();
  }
}

}  // namespace

std::string RandomBytes(size_t n) {
  InitSodium();
  std::string out(n, '\0');
  randombytes_buf(out.data(), n);
  return out;
}

std::string RandomUrlSafe(size_t n) {
  std::string bytes = RandomBytes(n);
  constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::string out(sodium_base64_ENCODED_LEN(n, kVariant), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), kVariant);
  out.resize(out.find('\0'));
  return out;
}

std::string NewToken(std::string_view prefix) { return std::string(prefix) + RandomUrlSafe(32); }

std::string NewRandomPassword(size_t length) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  InitSodium();
  std::string out;
  out.reserve(length);
  for (size_t i = 0; i < length; ++i) {
    out += kAlphabet[randombytes_uniform(static_cast<uint32_t>(kAlphabet.size()))];  // unbiased
  }
  return out;
}

bool SameSecret(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace weir
