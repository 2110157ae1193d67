#include "net/google_auth.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "base/strings.h"

namespace weir {
namespace {

std::string Base64UrlDecode(std::string text) {
  for (char& c : text) c = c == '-' ? '+' : c == '_' ? '/' : c;
  while (text.size() % 4 != 0) text += '=';
  std::string out(text.size(), '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  out.resize(static_cast<size_t>(std::max(n, 0)) - std::count(text.begin(), text.end(), '='));
  return out;
}

// The token verifies with the key's public half, as Google's token endpoint checks it, and
// carries the header and claims given.
TEST(SignJwtRs256, VerifiesWithThePublicKey) {
  std::ifstream in(WEIR_SOURCE_DIR "/tests/fixtures/gcs/service_account.json");
  std::stringstream text;
  text << in.rdbuf();
  Json key = ParseJson(text.str(), "key").value();
  std::string pem = key["private_key"];
  Json claims = {{"iss", "me"}, {"aud", "https://oauth2.googleapis.com/token"}, {"iat", 1}};
  std::string jwt = SignJwtRs256({{"alg", "RS256"}, {"typ", "JWT"}}, claims, pem).value();
  auto parts = Split(jwt, '.');
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(ParseJson(Base64UrlDecode(parts[1]), "claims").value(), claims);
  EXPECT_EQ(ParseJson(Base64UrlDecode(parts[0]), "header").value()["alg"], "RS256");

  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), -1), &BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
  ASSERT_TRUE(pkey);
  std::string signed_part = parts[0] + "." + parts[1];
  std::string signature = Base64UrlDecode(parts[2]);
  auto verify = [&](const std::string& data) {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pkey.get());
    return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                            signature.size(), reinterpret_cast<const unsigned char*>(data.data()),
                            data.size()) == 1;
  };
  EXPECT_TRUE(verify(signed_part));
  EXPECT_FALSE(verify(signed_part + "x"));

  auto bad = SignJwtRs256({}, claims, "-----BEGIN PRIVATE KEY-----\nnot a key\n");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
}

TEST(ParseGoogleKey, ReadsBothKindsAndSaysWhatIsMissing) {
  auto sa = ParseGoogleKey({{"type", "service_account"},
                            {"client_email", "a@b"},
                            {"private_key", "PEM"},
                            {"token_uri", "http://127.0.0.1:1/token"}},
                           "k");
  ASSERT_TRUE(sa.has_value());
  EXPECT_EQ(sa->kind, GoogleCredentials::Kind::kServiceAccount);
  EXPECT_EQ(sa->token_uri, "http://127.0.0.1:1/token");
  auto user = ParseGoogleKey({{"type", "authorized_user"},
                              {"client_id", "i"},
                              {"client_secret", "s"},
                              {"refresh_token", "r"}},
                             "k");
  ASSERT_TRUE(user.has_value());
  EXPECT_EQ(user->token_uri, "https://oauth2.googleapis.com/token");
  auto missing = ParseGoogleKey({{"type", "service_account"}, {"client_email", "a@b"}}, "file x");
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message.find("private_key"), std::string::npos);
  EXPECT_NE(missing.error().message.find("file x"), std::string::npos);
  EXPECT_FALSE(ParseGoogleKey({{"type", "external_account"}}, "k").has_value());
}

}  // namespace
}  // namespace weir
