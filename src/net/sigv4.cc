#include "net/sigv4.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "base/hash.h"
#include "base/strings.h"
#include "base/url.h"

namespace weir {

namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

// A header value as it is signed: trimmed, inner runs of spaces as one.
std::string CanonicalValue(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

// The headers as signed: names lower-cased, sorted (std::map), values canonical.
std::map<std::string, std::string> Canonical(const std::map<std::string, std::string>& headers) {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : headers) out[ToLower(k)] = CanonicalValue(v);
  return out;
}

std::string SignedHeaderNames(const std::map<std::string, std::string>& canonical) {
  std::string names;
  for (const auto& [k, v] : canonical) {
    if (!names.empty()) names += ';';
    names += k;
  }
  return names;
}

std::string SigningKey(const AwsCredentials& creds, std::string_view date,
                       const SigV4Scope& scope) {
  std::string k = HmacSha256("AWS4" + creds.secret_access_key, date);
  k = HmacSha256(k, scope.region);
  k = HmacSha256(k, scope.service);
  return HmacSha256(k, "aws4_request");
}

}  // namespace

std::string AmzDate(Time t) { return FormatTime(t, "%Y%m%dT%H%M%SZ"); }

std::string S3EncodePath(std::string_view key) { return PercentEncode(key, {.keep_slash = true}); }

std::string CanonicalRequest(const SigV4Request& request,
                             const std::map<std::string, std::string>& headers) {
  std::vector<std::pair<std::string, std::string>> query;
  query.reserve(request.query.size());
  for (const auto& [k, v] : request.query) query.emplace_back(PercentEncode(k), PercentEncode(v));
  std::ranges::sort(query);
  std::string query_text;
  for (const auto& [k, v] : query) {
    if (!query_text.empty()) query_text += '&';
    query_text.append(k).append("=").append(v);
  }
  std::map<std::string, std::string> canonical = Canonical(headers);
  std::string header_text;
  for (const auto& [k, v] : canonical) header_text.append(k).append(":").append(v).append("\n");
  return fmt::format("{}\n{}\n{}\n{}\n{}\n{}", request.method, request.path, query_text,
                     header_text, SignedHeaderNames(canonical), request.payload_sha256);
}

std::string StringToSign(std::string_view amz_date, const SigV4Scope& scope,
                         std::string_view canonical_request) {
  return fmt::format("{}\n{}\n{}/{}/{}/aws4_request\n{}", kAlgorithm, amz_date,
                     amz_date.substr(0, 8), scope.region, scope.service,
                     Sha256Hex(canonical_request));
}

std::map<std::string, std::string> SignV4(const SigV4Request& request, const AwsCredentials& creds,
                                          const SigV4Scope& scope, Time now) {
  std::map<std::string, std::string> headers = request.headers;
  std::string amz_date;
  for (const auto& [k, v] : headers) {
    if (ToLower(k) == "x-amz-date") amz_date = v;
  }
  if (amz_date.empty()) {
    amz_date = AmzDate(now);
    headers["x-amz-date"] = amz_date;
  }
  if (request.content_sha256_header) headers["x-amz-content-sha256"] = request.payload_sha256;
  if (!creds.session_token.empty()) headers["x-amz-security-token"] = creds.session_token;
  std::map<std::string, std::string> to_sign = headers;
  to_sign["host"] = request.host;
  std::string canonical = CanonicalRequest(request, to_sign);
  std::string date = amz_date.substr(0, 8);
  std::string signature =
      HexOf(HmacSha256(SigningKey(creds, date, scope), StringToSign(amz_date, scope, canonical)));
  headers["Authorization"] =
      fmt::format("{} Credential={}/{}/{}/{}/aws4_request, SignedHeaders={}, Signature={}",
                  kAlgorithm, creds.access_key_id, date, scope.region, scope.service,
                  SignedHeaderNames(Canonical(to_sign)), signature);
  return headers;
}

}  // namespace weir
