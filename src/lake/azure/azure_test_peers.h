#pragma once

// For tests only: azurite (tests/js/azurite.cjs, installed by scripts/setup), Microsoft's Azure
// Storage emulator, which verifies Shared Key and SAS signatures, and an AzureLocation on it.
// The including target defines WEIR_SOURCE_DIR.

#include <cstdio>
#include <string>

#include "base/url.h"
#include "lake/azure/azure_store.h"
#include "net/test_http_server.h"

namespace weir {

class TestAzurite : public TestServerProcess {
 public:
  TestAzurite() : TestServerProcess({"node", Script()}) {}
  // http://127.0.0.1:<port>/devstoreaccount1
  std::string Endpoint() const {
    return "http://127.0.0.1:" + std::to_string(port()) + "/devstoreaccount1";
  }
  // The account key, base64, as azurite's own files have it (the script prints it).
  static std::string Key() {
    static const std::string key = [] {
      std::string out;
      FILE* p = popen(("node " + Script() + " --print-key").c_str(), "r");
      if (p == nullptr) return out;
      char buf[256];
      while (std::fgets(buf, sizeof buf, p) != nullptr) out += buf;
      pclose(p);
      while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
      return out;
    }();
    return key;
  }

 private:
  static std::string Script() { return std::string(WEIR_SOURCE_DIR) + "/tests/js/azurite.cjs"; }
};

inline TestAzurite& Azurite() {
  static TestAzurite server;
  return server;
}

// A location in container "lake" under `prefix`, signed with the account key. Files above
// 6 MiB go up as blocks of 5 MiB, as the S3 tests' parts; retries wait 20 ms, not 200.
inline AzureLocation AzureAt(const std::string& prefix) {
  AzureLocation loc;
  loc.account = "devstoreaccount1";
  loc.container = "lake";
  loc.prefix = prefix;
  loc.endpoint = Azurite().Endpoint();
  loc.key = Base64Decode(TestAzurite::Key()).value_or("");
  loc.single_put_max = 6 << 20;
  loc.block_size = 5 << 20;
  loc.retry.first_delay = std::chrono::milliseconds(20);
  return loc;
}

}  // namespace weir
