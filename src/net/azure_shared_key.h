#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/time.h"

namespace weir {

// Azure Storage's Shared Key authorization (learn.microsoft.com/rest/api/storageservices/
// authorize-with-shared-key), for the Blob service at version 2015-02-21 and later: the
// request's verb, its standard headers, its x-ms-* headers and its resource are signed with
// HMAC-SHA256 under the account key. Checked against a verifying server (azurite) and against
// a string-to-sign worked out by hand (azure_shared_key_test.cc).

// A request to sign. `path` is the URL's path as sent (percent-encoded), including the account
// segment of a path-style endpoint ("/devstoreaccount1/lake/a.csv" on azurite). Query
// parameters are raw. `headers` are the request's headers, names in any case.
struct AzureSignRequest {
  std::string method;
  std::string path = "/";
  std::vector<std::pair<std::string, std::string>> query;
  std::map<std::string, std::string> headers;
  int64_t content_length = 0;  // the body's length (0: none)
};

// The string that is signed (for tests and for an error that shows it).
std::string AzureStringToSign(const AzureSignRequest& request, std::string_view account);

// The Authorization header's value, "SharedKey <account>:<signature>", for a request whose
// headers already hold x-ms-date and x-ms-version. `key` is the account key's bytes (the
// base64 key decoded).
std::string AzureSharedKey(const AzureSignRequest& request, std::string_view account,
                           std::string_view key);

// "Sun, 06 Dec 2026 05:30:00 GMT", as x-ms-date wants it.
std::string HttpDate(Time t);

}  // namespace weir
