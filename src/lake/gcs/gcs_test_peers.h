#pragma once

// For tests only: the GCS servers the lake tests run against, and a GcsLocation on each.
//   "gcs"           tests/fixtures/gcs_fake.py: Google's OAuth (service-account JWTs,
//                   refresh tokens) and resumable-upload rules, with faults on demand
//   "gcs_emulator"  firebase-tools' Storage emulator (tests/js/gcs_emulator.cjs): no auth
// The including target defines WEIR_SOURCE_DIR.

#include <fstream>
#include <memory>
#include <string>

#include "base/json.h"
#include "env/files.h"
#include "lake/gcs/gcs_store.h"
#include "net/test_http_server.h"

namespace weir {

class TestGcsFake : public TestServerProcess {
 public:
  TestGcsFake()
      : TestServerProcess({"/usr/bin/python3", Fixture("gcs_fake.py"), "--service-account",
                           Fixture("gcs/service_account.json"), "--authorized-user",
                           Fixture("gcs/authorized_user.json")}) {}
  std::string Endpoint() const { return "http://127.0.0.1:" + std::to_string(port()); }

  // POSTs `settings` to /__control (fail_next, drop_after, throttle_bps, token_lifetime,
  // rewrite_bytes_per_call, bq_polls_until_done, bq_autodetect_fields).
  void Control(const Json& settings) const { Call("POST", "/__control", settings.dump()); }
  // The requests so far: [{method, path, query, content_range, status, ...}].
  Json Log() const { return Call("GET", "/__log", ""); }
  // The open resumable sessions: [{upload_id, name, persisted, total}].
  Json Uploads() const { return Call("GET", "/__uploads", ""); }
  void Reset() const { Call("POST", "/__reset", ""); }
  // BigQuery's side (tests/fixtures/bigquery_fake.py): {datasets, tables, jobs, requests}.
  Json BigQueryState() const { return Call("GET", "/__bigquery", ""); }

 private:
  static std::string Fixture(const std::string& name) {
    return std::string(WEIR_SOURCE_DIR) + "/tests/fixtures/" + name;
  }
  Json Call(const std::string& method, const std::string& path, const std::string& body) const {
    HttpRequest request;
    request.method = method;
    request.url = Endpoint() + path;
    request.body = body;
    auto reply = FetchText(request);
    if (!reply || reply->body.empty()) return Json();
    return ParseJson(reply->body, path).value_or(Json());
  }
};

class TestGcsEmulator : public TestServerProcess {
 public:
  TestGcsEmulator() : TestServerProcess({"node", WEIR_SOURCE_DIR "/tests/js/gcs_emulator.cjs"}) {}
  std::string Endpoint() const { return "http://127.0.0.1:" + std::to_string(port()); }
};

// One of each per test binary, started when first used.
inline TestGcsFake& GcsFake() {
  static TestGcsFake server;
  return server;
}
inline TestGcsEmulator& GcsEmulator() {
  static TestGcsEmulator server;
  return server;
}

// The test service account's key, its token_uri pointed at the fake.
inline GoogleCredentials TestServiceAccount() {
  std::string text = ReadFile(WEIR_SOURCE_DIR "/tests/fixtures/gcs/service_account.json").value();
  GoogleCredentials creds = ParseGoogleKey(ParseJson(text, "key").value(), "key").value();
  creds.token_uri = GcsFake().Endpoint() + "/token";
  return creds;
}

// A location on `kind` ("gcs" or "gcs_emulator") under `prefix` in bucket "lake". On the fake,
// files above 6 MiB go up as resumable uploads in chunks of 5 MiB, as the S3 tests' parts; the
// emulator's chunked uploads are broken (its first chunk ends the upload), so there every file
// goes up in one request. Retries wait 20 ms, not 200.
inline GcsLocation GcsAt(const std::string& kind, const std::string& prefix) {
  GcsLocation loc;
  loc.bucket = "lake";
  loc.prefix = prefix;
  if (kind == "gcs") {
    loc.endpoint = GcsFake().Endpoint();
    loc.tokens = std::make_shared<GoogleTokenSource>(TestServiceAccount());
    loc.single_request_max = 6 << 20;
  } else {
    loc.endpoint = GcsEmulator().Endpoint();
    loc.single_request_max = 64 << 20;
  }
  loc.chunk_size = 5 << 20;
  loc.retry.first_delay = std::chrono::milliseconds(20);
  return loc;
}

}  // namespace weir
