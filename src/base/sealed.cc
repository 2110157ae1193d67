#include "base/sealed.h"

#include <fmt/format.h>
#include <sodium.h>

#include <optional>

#include "base/url.h"

namespace weir {
namespace {

constexpr std::string_view kPrefix = "wk1.";
constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;

bool SodiumReady() {
  static const bool ok = sodium_init() >= 0;
  return ok;
}

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

std::optional<std::string> FromBase64(std::string_view text) {
  std::string out(text.size(), '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &len, nullptr, kVariant) != 0) {
    return std::nullopt;
  }
  out.resize(len);
  return out;
}

std::string KeyId(std::string_view key) {
  unsigned char hash[4];
  crypto_generichash(hash, sizeof hash, Bytes(key), key.size(), nullptr, 0);
  return fmt::format("{:02x}{:02x}{:02x}{:02x}", hash[0], hash[1], hash[2], hash[3]);
}

}  // namespace

Result<SealKeyRing> SealKeyRing::FromText(const std::vector<std::string>& keys,
                                          std::string_view where) {
  if (!SodiumReady()) return Err(ErrorCode::kInternal, "libsodium could not be initialised");
  SealKeyRing ring;
  for (size_t i = 0; i < keys.size(); ++i) {
    auto bytes = FromBase64(keys[i]);
    if (!bytes || bytes->size() != kKeyBytes) {
      return Err(ErrorCode::kInvalidArgument,
                 "{}: key {} is not {} bytes in base64url (43 characters); make one with `weir "
                 "connections rotate-key` or `head -c 32 /dev/urandom | basenc --base64url`",
                 where, i + 1, kKeyBytes);
    }
    ring.keys_.push_back({KeyId(*bytes), std::move(*bytes)});
  }
  return ring;
}

std::string SealKeyRing::NewKeyText() {
  std::string key(kKeyBytes, '\0');
  if (SodiumReady()) randombytes_buf(key.data(), key.size());
  return Base64Encode(key, true);
}

std::string SealKeyRing::current_id() const { return keys_.empty() ? "" : keys_.front().id; }

Result<std::string> SealKeyRing::Seal(std::string_view plaintext, std::string_view context) const {
  if (keys_.empty()) return Err(ErrorCode::kFailedPrecondition, "no key to seal secrets with");
  const Key& key = keys_.front();
  std::string box(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + plaintext.size() +
                      crypto_aead_xchacha20poly1305_ietf_ABYTES,
                  '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(box.data());
  randombytes_buf(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  unsigned long long len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      nonce + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, &len, Bytes(plaintext),
      plaintext.size(), Bytes(context), context.size(), nullptr, nonce, Bytes(key.bytes));
  return fmt::format("{}{}.{}", kPrefix, key.id, Base64Encode(box, true));
}

std::string SealKeyRing::KeyIdOf(std::string_view sealed) {
  if (!sealed.starts_with(kPrefix)) return "";
  sealed.remove_prefix(kPrefix.size());
  size_t dot = sealed.find('.');
  return dot == std::string_view::npos ? "" : std::string(sealed.substr(0, dot));
}

Result<std::string> SealKeyRing::Open(std::string_view sealed, std::string_view context) const {
  std::string id = KeyIdOf(sealed);
  if (id.empty()) return Err(ErrorCode::kInvalidArgument, "not a sealed value");
  const Key* key = nullptr;
  for (const Key& k : keys_) {
    if (k.id == id) key = &k;
  }
  if (key == nullptr) {
    return Err(ErrorCode::kFailedPrecondition,
               "sealed with key {}, which is not among the keys given (current: {}): restore the "
               "key file or WEIR_SECRET_KEY that was used",
               id, current_id().empty() ? "none" : current_id());
  }
  auto box = FromBase64(sealed.substr(kPrefix.size() + id.size() + 1));
  constexpr size_t kOverhead =
      crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES;
  if (!box || box->size() < kOverhead) {
    return Err(ErrorCode::kFailedPrecondition, "the sealed value is damaged");
  }
  const auto* nonce = Bytes(*box);
  std::string plain(box->size() - kOverhead, '\0');
  unsigned long long len = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(plain.data()), &len, nullptr,
          nonce + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
          box->size() - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, Bytes(context),
          context.size(), nonce, Bytes(key->bytes)) != 0) {
    return Err(ErrorCode::kFailedPrecondition,
               "the sealed value does not open with key {}: it was altered or belongs elsewhere",
               id);
  }
  plain.resize(len);
  return plain;
}

}  // namespace weir
