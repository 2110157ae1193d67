#pragma once

// For tests only: runs tests/fixtures/http_server.py as a child process. The including
// target defines WEIR_SOURCE_DIR (the repository's root).

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "net/http_client.h"

extern char** environ;

namespace weir {

// A test server run as a child process that prints "PORT <n>" on its stdout once it
// listens on 127.0.0.1. It is stopped (SIGTERM) and reaped on destruction. port() is 0 when it
// could not start. argv[0] is looked up in PATH.
class TestServerProcess {
 public:
  explicit TestServerProcess(std::vector<std::string> argv) {
    int fds[2];
    if (pipe(fds) != 0) return;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    posix_spawn_file_actions_addclose(&actions, fds[1]);
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (std::string& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    int rc = posix_spawnp(&pid_, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    if (rc != 0) {
      pid_ = -1;
      close(fds[0]);
      return;
    }
    FILE* out = fdopen(fds[0], "r");
    char line[64] = {};
    if (out != nullptr && std::fgets(line, sizeof line, out) != nullptr) {
      std::sscanf(line, "PORT %d", &port_);
    }
    if (out != nullptr) std::fclose(out);
  }
  TestServerProcess(const TestServerProcess&) = delete;
  TestServerProcess& operator=(const TestServerProcess&) = delete;
  ~TestServerProcess() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
  }

  int port() const { return port_; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

// The fixture HTTP server serving the files under `root` on 127.0.0.1 (a free port).
class TestHttpServer : public TestServerProcess {
 public:
  explicit TestHttpServer(const std::string& root,
                          std::string script = WEIR_SOURCE_DIR "/tests/fixtures/http_server.py")
      : TestServerProcess({"/usr/bin/python3", std::move(script), "--root", root}) {}

  // "http://127.0.0.1:<port>/<path>"
  std::string Url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port()) + "/" + std::string(path);
  }
  // The requests the server has seen: [{method, path, range, if_none_match,
  // if_modified_since, if_range, status}], minus the ones for the log itself.
  Json Requests() const {
    std::string text;
    HttpSink sink{nullptr, [&text](std::string_view piece) -> Status {
                    text.append(piece);
                    return {};
                  }};
    HttpRequest request;
    request.url = Url("__log");
    if (!Fetch(request, sink)) return Json::array();
    auto parsed = ParseJson(text, "/__log");
    return parsed ? *parsed : Json::array();
  }
};

// s3rver 5 (tests/js/s3_server.cjs, installed by scripts/setup): an S3 server that verifies
// SigV4 signatures, with one bucket, "lake", and the keys S3RVER / S3RVER.
class TestS3Server : public TestServerProcess {
 public:
  // Its continuation tokens use a cipher that Node 17+ keeps behind the legacy provider.
  TestS3Server()
      : TestServerProcess(
            {"node", "--openssl-legacy-provider", WEIR_SOURCE_DIR "/tests/js/s3_server.cjs"}) {}
  std::string Endpoint() const { return "http://127.0.0.1:" + std::to_string(port()); }
};

// A TCP port on 127.0.0.1 that nothing listens on (bound, then released).
inline int UnusedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

}  // namespace weir
