#include "net/google_auth.h"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>

#include "base/url.h"
#include "net/http_client.h"
#include "net/retry.h"

namespace weir {

namespace {

std::string StringField(const Json& j, const char* name) {
  auto it = j.find(name);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

Result<GoogleCredentials> ParseGoogleKey(const Json& key, std::string_view where) {
  if (!key.is_object()) {
    return Err(ErrorCode::kInvalidArgument, "{}: a Google key is a JSON object", where);
  }
  GoogleCredentials c;
  std::string type = StringField(key, "type");
  std::string token_uri = StringField(key, "token_uri");
  if (!token_uri.empty()) c.token_uri = token_uri;
  auto need = [&](const char* field) -> Status {
    if (StringField(key, field).empty()) {
      return Err(ErrorCode::kInvalidArgument, "{}: the {} key has no \"{}\"", where, type, field);
    }
    return {};
  };
  if (type == "service_account") {
    TRY(need("client_email"));
    TRY(need("private_key"));
    c.kind = GoogleCredentials::Kind::kServiceAccount;
    c.client_email = StringField(key, "client_email");
    c.private_key = StringField(key, "private_key");
    c.private_key_id = StringField(key, "private_key_id");
    c.project_id = StringField(key, "project_id");
    return c;
  }
  if (type == "authorized_user") {
    TRY(need("client_id"));
    TRY(need("client_secret"));
    TRY(need("refresh_token"));
    c.kind = GoogleCredentials::Kind::kAuthorizedUser;
    c.client_id = StringField(key, "client_id");
    c.client_secret = StringField(key, "client_secret");
    c.refresh_token = StringField(key, "refresh_token");
    c.project_id = StringField(key, "quota_project_id");
    return c;
  }
  return Err(ErrorCode::kInvalidArgument,
             "{}: a Google key of type '{}' is not supported: use a service account's key "
             "file (\"type\": \"service_account\") or an application-default credentials file "
             "(\"type\": \"authorized_user\")",
             where, type);
}

Result<std::string> SignJwtRs256(const Json& header, const Json& claims, std::string_view pem_key) {
  std::string signing_input =
      Base64Encode(header.dump(), true) + "." + Base64Encode(claims.dump(), true);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem_key.data(), static_cast<int>(pem_key.size())), &BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey(
      bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr,
      &EVP_PKEY_free);
  if (!pkey) {
    return Err(ErrorCode::kInvalidArgument,
               "the private_key is not a PEM private key (-----BEGIN PRIVATE KEY-----)");
  }
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  size_t size = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pkey.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &size,
                     reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) != 1) {
    return Err(ErrorCode::kInvalidArgument, "the private_key cannot sign with RS256");
  }
  std::string signature(size, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size,
                     reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) != 1) {
    return Err(ErrorCode::kInvalidArgument, "the private_key cannot sign with RS256");
  }
  signature.resize(size);
  return signing_input + "." + Base64Encode(signature, true);
}

GoogleTokenSource::GoogleTokenSource(GoogleCredentials credentials)
    : credentials_(std::move(credentials)) {}

Result<std::string> GoogleTokenSource::Authorization() {
  using Kind = GoogleCredentials::Kind;
  if (credentials_.kind == Kind::kNone) return std::string();
  if (credentials_.kind == Kind::kAccessToken) return "Bearer " + credentials_.access_token;
  std::lock_guard lock(mu_);
  if (token_.empty() || std::chrono::steady_clock::now() + std::chrono::minutes(1) >= expires_) {
    token_ = TRY(FetchToken());
  }
  return "Bearer " + token_;
}

void GoogleTokenSource::Invalidate() {
  std::lock_guard lock(mu_);
  token_.clear();
}

Result<std::string> GoogleTokenSource::FetchToken() {
  const GoogleCredentials& c = credentials_;
  std::string form;
  if (c.kind == GoogleCredentials::Kind::kServiceAccount) {
    auto now = std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    std::string scope;
    for (const auto& s : c.scopes) scope += (scope.empty() ? "" : " ") + s;
    Json header = {{"alg", "RS256"}, {"typ", "JWT"}};
    if (!c.private_key_id.empty()) header["kid"] = c.private_key_id;
    Json claims = {{"iss", c.client_email},
                   {"scope", scope},
                   {"aud", c.token_uri},
                   {"iat", now},
                   {"exp", now + 3600}};
    std::string jwt = TRY_CONTEXT(SignJwtRs256(header, claims, c.private_key),
                                  "service account " + c.client_email);
    form = "grant_type=" + PercentEncode("urn:ietf:params:oauth:grant-type:jwt-bearer") +
           "&assertion=" + jwt;
  } else {
    form = "grant_type=refresh_token&client_id=" + PercentEncode(c.client_id) +
           "&client_secret=" + PercentEncode(c.client_secret) +
           "&refresh_token=" + PercentEncode(c.refresh_token);
  }
  HttpText reply;
  auto answer = WithRetries({}, [&](int) -> Result<HttpResponse> {
    HttpRequest req;
    req.url = c.token_uri;
    req.method = "POST";
    req.body = form;
    req.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
    req.timeout = std::chrono::seconds(60);
    reply = TRY(FetchText(req, size_t{1} << 20));
    return reply.head;
  });
  if (!answer) {
    return Err(answer.error().code, "getting a Google access token at {}: {}", c.token_uri,
               answer.error().message);
  }
  auto json = ParseJson(reply.body, c.token_uri);
  if (reply.head.status != 200) {
    std::string what = reply.head.reason;
    if (json && json->is_object()) {
      what = StringField(*json, "error");
      std::string description = StringField(*json, "error_description");
      if (!description.empty()) what += ": " + description;
    }
    return Err(ErrorCode::kFailedPrecondition,
               "{} refused the {} credentials: HTTP {} {} (check the connection's key, or "
               "create a new one)",
               c.token_uri,
               c.kind == GoogleCredentials::Kind::kServiceAccount ? "service account's"
                                                                  : "authorized user's",
               reply.head.status, what);
  }
  if (!json || !json->is_object() || StringField(*json, "access_token").empty()) {
    return Err(ErrorCode::kIo, "{} answered 200 without an access_token", c.token_uri);
  }
  int64_t lifetime = json->value("expires_in", int64_t{3600});
  expires_ = std::chrono::steady_clock::now() + std::chrono::seconds(lifetime);
  return StringField(*json, "access_token");
}

}  // namespace weir
