#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace weir {

// Random secrets from the operating system's generator (libsodium's randombytes_buf).

// `n` random bytes.
std::string RandomBytes(size_t n);

// `n` random bytes as base64url without padding (43 characters for 32 bytes): for session
// ids and CSRF tokens, safe in cookies, headers and URLs.
std::string RandomUrlSafe(size_t n = 32);

// An API token: `prefix` followed by 32 random bytes in base64url ("weir_" + 43 characters).
// The prefix lets secret scanners and people recognise a weir token.
inline constexpr std::string_view kTokenPrefix = "weir_";
std::string NewToken(std::string_view prefix = kTokenPrefix);

// A password of `length` random letters and digits (20 give 119 bits).
std::string NewRandomPassword(size_t length = 20);

// Compares two secrets in time that depends only on their lengths, not on where they differ.
bool SameSecret(std::string_view a, std::string_view b);

}  // namespace weir
