#pragma once

#include <cstdlib>
#include <fstream>
#include <string>

#include "base/status.h"

namespace weir {

// For tests: the URL of a server the tests share (PostgreSQL, Redis). `url_variable` names it
// directly; otherwise it is read from `<state_variable>/url`, where the ctest fixture's
// tests/fixtures/<what>.py --start wrote it. kFailedPrecondition saying how to get one.
inline Result<std::string> TestServerUrl(const char* url_variable, const char* state_variable,
                                         const char* what) {
  if (const char* url = std::getenv(url_variable); url != nullptr && *url != '\0') {
    return std::string(url);
  }
  const char* state = std::getenv(state_variable);
  std::string url;
  if (state != nullptr && *state != '\0') {
    std::ifstream in(std::string(state) + "/url");
    std::getline(in, url);
  }
  if (url.empty()) {
    return Err(ErrorCode::kFailedPrecondition,
               "no {0} for the tests: run them through ctest (its fixture starts one with "
               "tests/fixtures/{0}.py), or set {1}",
               what, url_variable);
  }
  return url;
}

}  // namespace weir
