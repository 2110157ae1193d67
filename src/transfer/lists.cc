#include "transfer/lists.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <map>

#include "base/hash.h"
#include "base/strings.h"
#include "base/url.h"
#include "env/files.h"
#include "net/http_client.h"

namespace weir {

namespace {

bool IsStoreUri(std::string_view s) {
  return s.starts_with("s3://") || s.starts_with("gs://") || s.starts_with("az://") ||
         s.starts_with("lake://");
}

// The lines of `text` without their line ends (LF or CRLF), numbered from 1.
template <class F>
Status ForEachLine(std::string_view text, F&& f) {
  int number = 0;
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    TRY(f(++number, line));
  }
  return {};
}

// Reads the object a store URI names through its folder's store.
Result<std::string> ReadStoreObject(const ListLocation& where) {
  std::string uri = TRY(InDefaultLake(where.location, where.lake_uri));
  size_t slash = uri.rfind('/');
  std::string folder = uri.substr(0, slash);
  std::string key = uri.substr(slash + 1);
  auto store = TRY(OpenObjectStore(folder, where.access));
  auto head = TRY(store->Head(key));
  if (!head) return Err(ErrorCode::kNotFound, "{} does not exist", where.location);
  if (static_cast<size_t>(head->size) > kMaxListBytes) {
    return Err(ErrorCode::kInvalidArgument, "{} is {}: a list may hold at most {}", where.location,
               FormatBytes(head->size), FormatBytes(static_cast<int64_t>(kMaxListBytes)));
  }
  std::error_code ec;
  std::filesystem::create_directories(where.work_dir, ec);
  std::string tmp =
      (std::filesystem::path(where.work_dir) / fmt::format(".list-{}", getpid())).string();
  Status got = store->Get(key, tmp);
  Result<std::string> text =
      got ? ReadFile(tmp) : Result<std::string>(std::unexpected(got.error()));
  std::filesystem::remove(tmp, ec);
  return text;
}

// A quoted or plain CSV field at the start of `line`; `open` is set when a quote is not closed.
std::string FirstField(std::string_view line, bool* open) {
  *open = false;
  if (!line.starts_with('"')) return std::string(line.substr(0, line.find(',')));
  std::string out;
  for (size_t i = 1; i < line.size(); ++i) {
    if (line[i] != '"') {
      out += line[i];
    } else if (i + 1 < line.size() && line[i + 1] == '"') {
      out += '"';
      ++i;
    } else {
      return out;
    }
  }
  *open = true;
  return out;
}

}  // namespace

Status CheckListLocation(std::string_view field, const std::string& location) {
  bool ok = location.starts_with("http://") || location.starts_with("https://") ||
            location.starts_with("/") || location.starts_with("file:///") ||
            (IsStoreUri(location) && !location.ends_with('/') &&
             location.find('/', location.find("://") + 3) != std::string::npos);
  if (ok) return {};
  return Err(ErrorCode::kInvalidArgument,
             "{} '{}' must name a file: an http(s):// URL, an absolute path, file:///path, or an "
             "object such as s3://bucket/lists/manifest.csv",
             field, location);
}

Result<std::string> ReadListFile(const ListLocation& where) {
  const std::string& at = where.location;
  if (at.starts_with("http://") || at.starts_with("https://")) {
    HttpRequest request;
    request.url = at;
    request.timeout = std::chrono::minutes(5);
    HttpText got = TRY(FetchText(request, kMaxListBytes));
    if (got.head.status / 100 != 2) {
      return Err(ErrorCode::kNotFound, "{} answered HTTP {} {}", at, got.head.status,
                 got.head.reason);
    }
    return std::move(got.body);
  }
  if (at.starts_with("/") || at.starts_with("file:///")) {
    std::string path = at.starts_with("/") ? at : at.substr(7);
    return ReadFileWithin("/", path, kMaxListBytes);
  }
  return ReadStoreObject(where);
}

Result<std::set<std::string>> ParseManifest(std::string_view text, std::string_view where) {
  std::set<std::string> names;
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // a byte order mark
  TRY(ForEachLine(text, [&](int number, std::string_view line) -> Status {
    if (Trim(line).empty()) return {};
    bool open = false;
    std::string name = FirstField(line, &open);
    if (open) {
      return Err(ErrorCode::kInvalidArgument,
                 "manifest {} line {}: a quote is not closed (a name holding a comma is written "
                 "\"like,this\", a quote inside it doubled)",
                 where, number);
    }
    Status valid = ValidateKey(name);
    if (!valid) {
      return Err(ErrorCode::kInvalidArgument,
                 "manifest {} line {}: '{}' is not an object name relative to the source "
                 "({}); folders and wildcards are not accepted",
                 where, number, name, valid.error().message);
    }
    names.insert(std::move(name));
    return {};
  }));
  return names;
}

Result<std::vector<UrlListEntry>> ParseUrlList(std::string_view text, std::string_view where) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  std::vector<UrlListEntry> entries;
  std::map<std::string, int> lines_by_key;
  TRY(ForEachLine(text, [&](int number, std::string_view line) -> Status {
    auto bad = [&](std::string_view what) {
      return Err(ErrorCode::kInvalidArgument, "url_list {} line {}: {}", where, number, what);
    };
    if (number == 1) {
      if (line != "TsvHttpData-1.0") {
        return bad(fmt::format(
            "the first line must be TsvHttpData-1.0, not '{}' (then one line per object: URL, "
            "size, base64 MD5, separated by tabs)",
            line.substr(0, 80)));
      }
      return {};
    }
    if (Trim(line).empty()) return {};
    std::vector<std::string> fields = Split(line, '\t');
    if (fields.size() != 3) {
      return bad(fmt::format(
          "{} field(s) where three are needed: URL <TAB> size in bytes <TAB> base64 MD5",
          fields.size()));
    }
    UrlListEntry e;
    e.line = number;
    e.url = fields[0];
    size_t scheme = e.url.starts_with("http://") ? 7 : e.url.starts_with("https://") ? 8 : 0;
    if (scheme == 0) return bad(fmt::format("'{}' is not an http(s):// URL", e.url));
    std::string rest = e.url.substr(scheme);
    rest = rest.substr(0, rest.find_first_of("?#"));
    size_t slash = rest.find('/');
    std::string host = rest.substr(0, std::min(slash, rest.find(':')));
    if (host.empty() || slash == std::string::npos || slash + 1 == rest.size()) {
      return bad(fmt::format("'{}' names no object (a host and a path are needed)", e.url));
    }
    e.key = host + "/" + PercentDecode(rest.substr(slash + 1));
    if (Status valid = ValidateKey(e.key); !valid) {
      return bad(fmt::format("'{}' becomes the object name '{}', which is not valid: {}", e.url,
                             e.key, valid.error().message));
    }
    const std::string& size = fields[1];
    auto [end, ec] = std::from_chars(size.data(), size.data() + size.size(), e.size);
    if (ec != std::errc{} || end != size.data() + size.size() || e.size < 0) {
      return bad(fmt::format("size '{}' is not a count of bytes", size));
    }
    auto md5 = Base64Decode(fields[2]);
    if (!md5 || md5->size() != 16) {
      return bad(
          fmt::format("'{}' is not an MD5 in base64 (24 characters, such as "
                      "1B2M2Y8AsgTpgAmY7PhCfg==)",
                      fields[2]));
    }
    e.md5 = HexOf(*md5);
    e.md5_base64 = fields[2];
    auto [it, fresh] = lines_by_key.emplace(e.key, number);
    if (!fresh) {
      return bad(fmt::format("'{}' lands at {} like line {}: each object needs its own name", e.url,
                             e.key, it->second));
    }
    entries.push_back(std::move(e));
    return {};
  }));
  if (lines_by_key.empty() && text.empty()) {
    return Err(ErrorCode::kInvalidArgument,
               "url_list {} is empty: its first line must be TsvHttpData-1.0", where);
  }
  std::ranges::sort(entries, {}, &UrlListEntry::key);
  return entries;
}

}  // namespace weir
