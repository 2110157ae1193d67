#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/status.h"

namespace weir {

// Credentials for Google's APIs, in the forms Google's client libraries read: a service
// account's key file, an `authorized_user` file (what `gcloud auth application-default login`
// writes), a fixed access token, or none (an emulator that checks nothing).
struct GoogleCredentials {
  enum class Kind { kNone, kServiceAccount, kAuthorizedUser, kAccessToken };
  Kind kind = Kind::kNone;
  std::string client_email;    // service account
  std::string private_key;     // service account: PEM
  std::string private_key_id;  // service account: the JWT's kid
  std::string client_id;       // authorized user
  std::string client_secret;   // authorized user
  std::string refresh_token;   // authorized user
  std::string access_token;    // a fixed token
  std::string project_id;      // the key's project (quota_project_id for a user), if any
  std::string token_uri = "https://oauth2.googleapis.com/token";
  std::vector<std::string> scopes = {"https://www.googleapis.com/auth/cloud-platform"};
};

// A key file's JSON: {"type": "service_account", ...} or {"type": "authorized_user", ...}.
// Errors name `where` (a file, a connection) and never quote the key.
Result<GoogleCredentials> ParseGoogleKey(const Json& key, std::string_view where);

// A JSON Web Token: base64url(header).base64url(claims).base64url(signature), signed
// RS256 (RSASSA-PKCS1-v1_5 with SHA-256) with the PEM private key.
Result<std::string> SignJwtRs256(const Json& header, const Json& claims, std::string_view pem_key);

// Access tokens for one set of credentials, fetched at token_uri (OAuth 2.0: a JWT bearer
// assertion for a service account, RFC 7523; a refresh_token grant for an authorized user)
// and kept until a minute before they expire. Safe to use from several threads.
class GoogleTokenSource {
 public:
  explicit GoogleTokenSource(GoogleCredentials credentials);

  // The value for an Authorization header ("Bearer <token>"), or "" for Kind::kNone.
  // Errors name token_uri, the HTTP status and Google's error, never a secret.
  Result<std::string> Authorization();
  // Forgets the cached token, so the next Authorization() fetches one (after a 401).
  void Invalidate();

  const GoogleCredentials& credentials() const { return credentials_; }

 private:
  Result<std::string> FetchToken();

  GoogleCredentials credentials_;
  std::mutex mu_;
  std::string token_;
  std::chrono::steady_clock::time_point expires_{};
};

}  // namespace weir
