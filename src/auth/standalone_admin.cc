#include "auth/standalone_admin.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "auth/password.h"
#include "auth/role.h"
#include "auth/secrets.h"

namespace weir {

namespace {

// O_EXCL and O_NOFOLLOW: the file is ours, new, and made 0600 from its first byte, so no
// one can have opened it before or planted a symlink to somewhere else.
Status WriteSecretFile(const std::string& path, const std::string& content) {
  if (unlink(path.c_str()) != 0 && errno != ENOENT) {
    return Err(ErrorCode::kIo, "cannot replace {}: {}", path, std::strerror(errno));
  }
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return Err(ErrorCode::kIo, "cannot create {}: {}", path, std::strerror(errno));
  size_t written = 0;
  while (written < content.size()) {
    ssize_t n = write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int error = errno;
      close(fd);
      unlink(path.c_str());
      return Err(ErrorCode::kIo, "cannot write {}: {}", path, std::strerror(error));
    }
    written += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0 || close(fd) != 0) {
    int error = errno;
    unlink(path.c_str());
    return Err(ErrorCode::kIo, "cannot write {}: {}", path, std::strerror(error));
  }
  return {};
}

}  // namespace

Result<std::optional<std::string>> EnsureStandaloneAdmin(AuthStore& store,
                                                         const std::string& home) {
  if (!TRY(store.ListUsers()).empty()) return std::nullopt;
  std::string password = NewRandomPassword(20);
  User admin;
  admin.username = "admin";
  admin.role = std::string(RoleName(Role::kAdmin));
  admin.password_hash = TRY(HashPassword(password));  // before the transaction: it takes a while
  std::string path = home + "/" + std::string(kStandaloneAdminPasswordFile);
  bool created = false;
  // In one transaction, so that two processes starting at once make one admin, and the
  // user exists only when its password was written down.
  TRY(store.Transaction([&]() -> Status {
    if (!TRY(store.ListUsers()).empty()) return {};
    TRY(store.CreateUser(admin));
    TRY(WriteSecretFile(path, password + "\n"));
    created = true;
    return {};
  }));
  if (!created) return std::nullopt;
  return password;
}

}  // namespace weir
