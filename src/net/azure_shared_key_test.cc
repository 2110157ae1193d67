#include "net/azure_shared_key.h"

#include <gtest/gtest.h>

#include "base/url.h"

namespace weir {
namespace {

// A Put Block with a repeated query parameter, headers in mixed case, a path-style account
// segment and an encoded space: the string to sign worked out by hand from Microsoft's rules,
// and the signature computed independently (Python's hmac).
TEST(AzureSharedKey, SignsTheStringMicrosoftsRulesGive) {
  AzureSignRequest r;
  r.method = "PUT";
  r.path = "/acct/lake/raw/a%20b.csv";
  r.query = {{"comp", "block"}, {"blockid", "BBB="}, {"BlockId", "AAA="}};
  r.headers = {{"Content-MD5", "XrY7u+Ae7tCTyyK7j1rNww=="},
               {"Content-Type", "application/octet-stream"},
               {"x-ms-version", "2021-08-06"},
               {"X-Ms-Date", "Sun, 06 Dec 2026 05:30:00 GMT"},
               {"x-ms-meta-sha256", " abc "},
               {"User-Agent", "weir"}};
  r.content_length = 11;
  EXPECT_EQ(AzureStringToSign(r, "acct"),
            "PUT\n\n\n11\nXrY7u+Ae7tCTyyK7j1rNww==\napplication/octet-stream\n\n\n\n\n\n\n"
            "x-ms-date:Sun, 06 Dec 2026 05:30:00 GMT\nx-ms-meta-sha256:abc\n"
            "x-ms-version:2021-08-06\n/acct/acct/lake/raw/a%20b.csv\nblockid:AAA=,BBB=\n"
            "comp:block");
  std::string key = Base64Decode("dGVzdCBrZXkgb25seSwgZ3JhbnRzIG5vdGhpbmc=").value();
  EXPECT_EQ(AzureSharedKey(r, "acct", key),
            "SharedKey acct:wC+IWY5DjzTOyirdEfBSKsymMvPCR9EiAHglFZO/cYk=");
  // No body: the length is signed as an empty line.
  r.content_length = 0;
  EXPECT_NE(AzureStringToSign(r, "acct").find("\n\n\nXrY7u"), std::string::npos);
}

TEST(HttpDate, IsRfc1123InGmt) {
  Time t = ParseDateTime("2026-12-06T05:30:07.250Z").value();
  EXPECT_EQ(HttpDate(t), "Sun, 06 Dec 2026 05:30:07 GMT");
}

}  // namespace
}  // namespace weir
