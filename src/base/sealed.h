#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace weir {

// Secrets sealed at rest (connection passwords and keys in the metadata database):
// XChaCha20-Poly1305 (libsodium's crypto_aead_xchacha20poly1305_ietf) with a random 24-byte
// nonce per value. A sealed value reads "wk1.<key id>.<base64url(nonce | ciphertext)>": the
// key id (8 hex digits of the key's BLAKE2b hash) says which key of the ring opens it, so a
// ring holding the new key and the old ones opens everything during a key rotation.
//
// `context` is bound into the tag as associated data (e.g. "connection:my_s3"): a value
// copied from one row to another does not open there.
class SealKeyRing {
 public:
  static constexpr size_t kKeyBytes = 32;

  // A ring from keys written as base64url (43 characters each), the first sealing.
  // Errors name `where` (the key file, WEIR_SECRET_KEY).
  static Result<SealKeyRing> FromText(const std::vector<std::string>& keys, std::string_view where);
  // A new random key as base64url.
  static std::string NewKeyText();

  bool empty() const { return keys_.empty(); }
  // The id of the key that seals.
  std::string current_id() const;

  Result<std::string> Seal(std::string_view plaintext, std::string_view context) const;
  // kFailedPrecondition when no key of the ring opens it (another key, another context,
  // altered text), saying which key id it needs.
  Result<std::string> Open(std::string_view sealed, std::string_view context) const;

  // The id of the key that sealed `sealed` ("" when it is not a sealed value).
  static std::string KeyIdOf(std::string_view sealed);

 private:
  struct Key {
    std::string id;
    std::string bytes;
  };
  std::vector<Key> keys_;
};

}  // namespace weir
