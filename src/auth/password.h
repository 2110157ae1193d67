#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace weir {

// Passwords are stored as argon2id encodings with OWASP's minimum parameters: 19 MiB of
// memory, 2 passes, 1 lane, a 16-byte random salt and a 32-byte hash (about 50 ms per hash).
inline constexpr uint32_t kArgon2Passes = 2;
inline constexpr uint32_t kArgon2MemoryKiB = 19456;
inline constexpr uint32_t kArgon2Lanes = 1;

// The rules for a new password: at least 8 characters (Unicode code points), at most 1024
// bytes (hashing longer input would only help a denial of service).
inline constexpr size_t kMinPasswordChars = 8;
inline constexpr size_t kMaxPasswordBytes = 1024;

// kInvalidArgument saying which rule `password` breaks.
Status CheckPasswordRules(std::string_view password);

// The argon2id encoding of `password` with a fresh salt:
// "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>". kInvalidArgument when the password breaks
// the rules, kInternal when libargon2 fails (out of memory).
Result<std::string> HashPassword(std::string_view password);

// True when `password` matches the argon2id encoding `encoded` (with whatever parameters it
// was made). False for a wrong password and for anything that is not an argon2id encoding.
bool VerifyPassword(std::string_view encoded, std::string_view password);

// Spends as long as VerifyPassword on a fixed hash and returns nothing: a login for an
// unknown user takes as long as one with a wrong password, so timing does not tell them apart.
void VerifyAgainstDummyHash(std::string_view password);

}  // namespace weir
