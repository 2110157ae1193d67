#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace weir {

// Percent-encoding (RFC 3986 section 2.1), the one implementation every layer uses: query
// strings read by the web server, the urlencode template filter, connection URIs, and the
// masker's encoded forms of a secret; and base64 (RFC 4648) for headers and sealed values.

struct PercentEncoding {
  bool plus_for_space = false;  // ' ' as '+' (HTML forms, application/x-www-form-urlencoded)
  bool keep_slash = false;      // '/' left as is (Python's quote(), paths)
};

// Every byte except the unreserved characters (letters, digits, - . _ ~) as %XX (upper case).
std::string PercentEncode(std::string_view text, PercentEncoding how = {});

// %XX sequences as bytes; a '%' not followed by two hex digits is kept as is; with
// `plus_is_space`, '+' as ' '.
std::string PercentDecode(std::string_view text, bool plus_is_space = false);

// Base64 of `bytes`: standard with padding ("Basic" auth), or URL-safe without padding.
std::string Base64Encode(std::string_view bytes, bool url_safe = false);
// The bytes of standard base64 text (padding optional, whitespace not allowed); nullopt when
// the text is not base64.
std::optional<std::string> Base64Decode(std::string_view text);

// A URL as messages may show it: the password of its userinfo ("postgresql://ann:***@host/db")
// and the value of a `password=` query parameter replaced with ***. Other URLs are unchanged.
std::string UrlWithoutPassword(std::string_view url);

}  // namespace weir
