#pragma once

#include "ops/native.h"

namespace weir {

// `http_download`: fetches a URL (http or https, redirects followed) into a file in the
// task's work folder. The body goes to `<output>.part` (with `<output>.part.json`) and is
// renamed to `<output>` only when its size and sha256 check out, so `<output>` is always
// complete. Transient failures (connection errors, drops, 403/408/429/5xx) are retried
// inside the attempt with exponential backoff, resuming an interrupted body with a Range
// request; a later attempt of the task resumes the same way. When the lake catalog holds a
// copy of the URL, a conditional GET that answers 304 skips the task. Beside the file it
// writes `<output>.weir-source.json` (the lineage lake_put records). XCom: {path, bytes,
// sha256, etag, last_modified, content_type, url, final_url, status}.
// Applies an `http` connection to a request, as Airflow's HttpHook does: its host (with its
// scheme, else its schema field or http, and its port) is the base of a relative `url`;
// extra.headers and extra's other text fields become headers; login and password are basic
// auth, a password alone a bearer token. Headers already in `headers` win.
Status ApplyHttpConnection(const Connection& c, std::string& url,
                           std::map<std::string, std::string>& headers);

class HttpDownloadOperator final : public NativeOperator {
 public:
  HttpDownloadOperator();
  const OperatorSchema& schema() const override { return schema_; }
  Result<Json> Run(const Json& args, const NativeContext& ctx) const override;

 private:
  OperatorSchema schema_;
};

}  // namespace weir
