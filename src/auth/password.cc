#include "auth/password.h"

#include <argon2.h>

#include "auth/secrets.h"

namespace weir {

namespace {

constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;

// The hash of a random password nobody knows, made with the parameters above.
constexpr std::string_view kDummyHash =
    "$argon2id$v=19$m=19456,t=2,p=1$oRjDWG3UEaB78RXm3Bnn3w$SUgxZ/"
    "nzdaq/od08CWUgzEFxKnyL+be1fagdh7xlIFU";

size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;  // not a continuation byte
  }
  return n;
}

}  // namespace

Status CheckPasswordRules(std::string_view password) {
  if (CodePoints(password) < kMinPasswordChars) {
    return Err(ErrorCode::kInvalidArgument, "a password needs at least {} characters, not {}",
               kMinPasswordChars, CodePoints(password));
  }
  if (password.size() > kMaxPasswordBytes) {
    return Err(ErrorCode::kInvalidArgument, "a password may have at most {} bytes, not {}",
               kMaxPasswordBytes, password.size());
  }
  return {};
}

Result<std::string> HashPassword(std::string_view password) {
  TRY(CheckPasswordRules(password));
  std::string salt = RandomBytes(kSaltBytes);
  std::string encoded(argon2_encodedlen(kArgon2Passes, kArgon2MemoryKiB, kArgon2Lanes, kSaltBytes,
                                        kHashBytes, Argon2_id),
                      '\0');
  int rc = argon2id_hash_encoded(kArgon2Passes, kArgon2MemoryKiB, kArgon2Lanes, password.data(),
                                 password.size(), salt.data(), salt.size(), kHashBytes,
                                 encoded.data(), encoded.size());
  if (rc != ARGON2_OK) {
    return Err(ErrorCode::kInternal, "hashing a password with argon2id failed: {}",
               argon2_error_message(rc));
  }
  encoded.resize(encoded.find('\0'));
  return encoded;
}

bool VerifyPassword(std::string_view encoded, std::string_view password) {
  // Refuse other argon2 variants: argon2id_verify would reject them anyway, but say why here.
  if (!encoded.starts_with("$argon2id$")) return false;
  if (password.size() > kMaxPasswordBytes) return false;
  std::string terminated(encoded);  // libargon2 wants a C string
  return argon2id_verify(terminated.c_str(), password.data(), password.size()) == ARGON2_OK;
}

void VerifyAgainstDummyHash(std::string_view password) {
  (void)VerifyPassword(kDummyHash, password);
}

}  // namespace weir
