#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "lake/object_store.h"

namespace weir {

// The two lists a transfer can be given instead of a whole source: a manifest (the objects of
// a store source to consider) and a URL list (the Transfer Service's TsvHttpData-1.0, the
// objects of an HTTP source).

// Where a list file is and how to reach it.
struct ListLocation {
  std::string location;  // http(s)://..., /abs/path, file:///abs/path, or a store URI
  LakeAccess access;     // for a store URI (s3://, gs://, az://, lake://)
  std::string lake_uri;  // the default lake, for lake://
  std::string work_dir;  // where an object read from a store is kept while it is read
};

// The largest list weir reads (a manifest of about a million names, a URL list of half that).
inline constexpr size_t kMaxListBytes = size_t{64} << 20;

// Whether `location` can name a list file: an http(s):// URL, an absolute path, a file:///
// path, or an object (not a folder) in a store. kInvalidArgument says what is accepted.
Status CheckListLocation(std::string_view field, const std::string& location);

// The text of the list file at `where`: fetched over HTTP (any status but 2xx is an error
// naming it), read from the local file, or read from the store. At most kMaxListBytes.
Result<std::string> ReadListFile(const ListLocation& where);

// The object names of a manifest: a CSV (RFC 4180: a name holding a comma or a quote is
// quoted, a quote inside doubled) whose first column names an object relative to the source's
// path; other columns are ignored, blank lines skipped, CRLF or LF. A name that is not a valid
// key, or a quote left open, is kInvalidArgument naming `where` and the line.
Result<std::set<std::string>> ParseManifest(std::string_view text, std::string_view where);

// One object of a URL list.
struct UrlListEntry {
  std::string url;
  std::string key;  // where it goes in the sink: host/path (no scheme, no port, no query)
  int64_t size = 0;
  std::string md5;         // hex
  std::string md5_base64;  // as the list gives it
  int line = 0;
};

// A URL list: the line "TsvHttpData-1.0", then one object per line as URL <TAB> size in
// bytes <TAB> base64 MD5. The URL's path is percent-decoded into the key; two URLs that
// land at one key, a key that is not valid, a missing field, a size that is not a count or an
// MD5 that is not 16 bytes of base64 are kInvalidArgument naming `where` and the line.
// Returned sorted by key.
Result<std::vector<UrlListEntry>> ParseUrlList(std::string_view text, std::string_view where);

}  // namespace weir
