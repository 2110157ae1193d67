#include "web/http_request.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace weir {

namespace {

std::unexpected<HttpError> Refuse(int status, std::string message) {
  return std::unexpected(HttpError{status, std::move(message)});
}

bool IsTokenChar(char c) {
  if (std::isalnum(static_cast<unsigned char>(c))) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool IsToken(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), IsTokenChar);
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

void ParseQuery(std::string_view query, std::map<std::string, std::string>& out) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string key = PercentDecode(pair.substr(0, eq), true);
    out[key] =
        eq == std::string_view::npos ? std::string() : PercentDecode(pair.substr(eq + 1), true);
  }
}

}  // namespace

std::string HttpRequestHead::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return {};
}

std::expected<size_t, HttpError> FindHeadEnd(std::string_view buffer, const HttpLimits& limits) {
  size_t line_end = buffer.find("\r\n");
  if (std::min(line_end, buffer.size()) > limits.max_request_line) {
    return Refuse(414,
                  fmt::format("the request line is longer than {} bytes", limits.max_request_line));
  }
  size_t end = buffer.find("\r\n\r\n");
  size_t head = end == std::string_view::npos ? buffer.size() : end + 4;
  if (head > limits.max_head) {
    return Refuse(431,
                  fmt::format("the request's headers are longer than {} bytes", limits.max_head));
  }
  return end == std::string_view::npos ? 0 : head;
}

std::expected<HttpRequestHead, HttpError> ParseHead(std::string_view head,
                                                    const HttpLimits& limits) {
  HttpRequestHead out;
  // Lines end with CRLF; a CR or LF anywhere else is refused (a proxy may split lines there
  // differently).
  std::vector<std::string_view> lines;
  for (size_t at = 0; at < head.size();) {
    size_t end = head.find("\r\n", at);
    if (end == std::string_view::npos) return Refuse(400, "the request's head is incomplete");
    std::string_view line = head.substr(at, end - at);
    if (line.find_first_of("\r\n") != std::string_view::npos) {
      return Refuse(400, "a bare CR or LF in the request's head");
    }
    if (line.empty()) break;
    lines.push_back(line);
    at = end + 2;
  }
  if (lines.empty()) return Refuse(400, "an empty request line");

  // METHOD SP request-target SP HTTP-version
  std::string_view line = lines[0];
  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
    return Refuse(400, "a malformed request line");
  }
  out.method = std::string(line.substr(0, sp1));
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  if (!IsToken(out.method)) return Refuse(400, "a malformed method");
  if (version == "HTTP/1.0") {
    out.http10 = true;
    out.keep_alive = false;
  } else if (version != "HTTP/1.1") {
    return Refuse(505, "only HTTP/1.1 and HTTP/1.0 are served");
  }
  if (target.empty() || target[0] != '/' || std::any_of(target.begin(), target.end(), [](char c) {
        return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f;
      })) {
    return Refuse(400, "the request target must be a path");
  }
  size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  if (size_t hash = path.find('#'); hash != std::string_view::npos) path = path.substr(0, hash);
  out.path = PercentDecode(path, false);
  if (q != std::string_view::npos) {
    std::string_view query = target.substr(q + 1);
    ParseQuery(query.substr(0, query.find('#')), out.query);
  }

  if (lines.size() - 1 > limits.max_headers) {
    return Refuse(431, fmt::format("more than {} headers", limits.max_headers));
  }
  int hosts = 0;
  bool has_length = false;
  for (size_t i = 1; i < lines.size(); ++i) {
    std::string_view h = lines[i];
    if (h[0] == ' ' || h[0] == '\t') return Refuse(400, "folded header lines are not accepted");
    size_t colon = h.find(':');
    if (colon == std::string_view::npos || !IsToken(h.substr(0, colon))) {
      return Refuse(400, "a malformed header line");
    }
    std::string name = Lower(h.substr(0, colon));
    std::string_view value = TrimOws(h.substr(colon + 1));
    if (std::any_of(value.begin(), value.end(), [](char c) {
          auto u = static_cast<unsigned char>(c);
          return (u < 0x20 && c != '\t') || u == 0x7f;
        })) {
      return Refuse(400, fmt::format("a control character in header {}", name));
    }
    if (name == "host") ++hosts;
    if (name == "content-length") {
      size_t n = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (value.empty() || ec != std::errc() || end != value.data() + value.size() ||
          (has_length && n != out.content_length)) {
        return Refuse(400, "Content-Length must be one decimal number");
      }
      has_length = true;
      out.content_length = n;
    }
    if (name == "transfer-encoding") {
      return Refuse(501, "Transfer-Encoding is not accepted in requests: send Content-Length");
    }
    if (name == "content-encoding" && Lower(value) != "identity") {
      return Refuse(415, "compressed request bodies are not accepted (Content-Encoding: " +
                             std::string(value) + ")");
    }
    if (name == "connection" && Lower(value).find("close") != std::string::npos) {
      out.keep_alive = false;
    }
    if (name == "connection" && out.http10 && Lower(value) == "keep-alive") out.keep_alive = true;
    if (name == "expect") {
      if (Lower(value) != "100-continue") return Refuse(417, "only Expect: 100-continue is known");
      out.expect_continue = true;
    }
    out.headers.emplace_back(std::move(name), std::string(value));
  }
  if (!out.http10 && hosts != 1) return Refuse(400, "an HTTP/1.1 request needs one Host header");
  if (out.content_length > limits.max_body) {
    return Refuse(413, fmt::format("the request body is {} bytes; the limit is {} "
                                   "(webserver_max_body_bytes in weir.yaml)",
                                   out.content_length, limits.max_body));
  }
  return out;
}

}  // namespace weir
