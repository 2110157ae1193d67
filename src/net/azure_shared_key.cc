#include "net/azure_shared_key.h"

#include <algorithm>
#include <cctype>

#include "base/hash.h"
#include "base/strings.h"
#include "base/url.h"

namespace weir {

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string AzureStringToSign(const AzureSignRequest& request, std::string_view account) {
  std::map<std::string, std::string> headers;
  for (const auto& [name, value] : request.headers) headers[Lower(name)] = std::string(Trim(value));
  auto header = [&](const char* name) {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  };
  std::string out = request.method + "\n";
  out += header("content-encoding") + "\n";
  out += header("content-language") + "\n";
  // Since 2015-02-21 a zero length is signed as an empty string.
  out += (request.content_length == 0 ? "" : std::to_string(request.content_length)) + "\n";
  out += header("content-md5") + "\n";
  out += header("content-type") + "\n";
  out += header("date") + "\n";
  out += header("if-modified-since") + "\n";
  out += header("if-match") + "\n";
  out += header("if-none-match") + "\n";
  out += header("if-unmodified-since") + "\n";
  out += header("range") + "\n";
  // Canonicalized headers: every x-ms-* header, lower-cased and sorted (the map sorts them).
  for (const auto& [name, value] : headers) {
    if (!name.starts_with("x-ms-")) continue;
    out.append(name).append(":").append(value).append("\n");
  }
  // Canonicalized resource: /account/path, then each query parameter, lower-cased and
  // sorted, with its values sorted and joined by commas.
  out += "/" + std::string(account) + request.path;
  std::map<std::string, std::vector<std::string>> query;
  for (const auto& [name, value] : request.query) query[Lower(name)].push_back(value);
  for (auto& [name, values] : query) {
    std::ranges::sort(values);
    out += "\n" + name + ":";
    for (size_t i = 0; i < values.size(); ++i) out += (i == 0 ? "" : ",") + values[i];
  }
  return out;
}

std::string AzureSharedKey(const AzureSignRequest& request, std::string_view account,
                           std::string_view key) {
  std::string signature = Base64Encode(HmacSha256(key, AzureStringToSign(request, account)));
  return "SharedKey " + std::string(account) + ":" + signature;
}

std::string HttpDate(Time t) { return FormatTime(t, "%a, %d %b %Y %H:%M:%S GMT"); }

}  // namespace weir
