#pragma once

#include <random>
#include <string>

#include "base/status.h"
#include "env/server_test_util.h"

namespace weir {

// The Redis server the tests share (WEIR_TEST_REDIS_URL, or ctest's fixture "redis").
inline Result<std::string> TestRedisUrl() {
  return TestServerUrl("WEIR_TEST_REDIS_URL", "WEIR_REDIS_STATE", "redis");
}

// A key prefix no other test uses, so tests sharing the server never see each other's keys.
inline std::string FreshRedisPrefix() {
  std::random_device rd;
  return "t" + std::to_string(rd()) + std::to_string(rd() & 0xffffU) + ":";
}

}  // namespace weir
