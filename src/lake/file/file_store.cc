#include "lake/file/file_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>

#include "base/hash.h"
#include "base/strings.h"
#include "env/files.h"
#include "env/process_table.h"

namespace weir {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kTempPrefix = ".weir-tmp-";
constexpr size_t kChunk = 1 << 20;  // bounded memory whatever the file size

std::string Errno(const std::string& what, const std::string& path) {
  return fmt::format("{} {}: {}", what, path, std::strerror(errno));
}

// An fd closed on every path out of a function.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// Hashes a whole file from disk.
Result<std::string> HashFile(const std::string& path) {
  Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return Err(ErrorCode::kIo, "{}", Errno("cannot read", path));
  Sha256 h;
  std::string buf(kChunk, '\0');
  while (true) {
    ssize_t n = read(fd.get(), buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Err(ErrorCode::kIo, "{}", Errno("cannot read", path));
    }
    if (n == 0) break;
    h.Update(std::string_view(buf.data(), static_cast<size_t>(n)));
  }
  return h.HexDigest();
}

// ".weir-tmp-<pid>-<start ticks>-<random>": the writer's identity lets a later put tell the
// temporary of a live writer from one a killed writer left behind.
std::string TempName() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static const int64_t start = ReadProcessEntry(getpid()).value_or(ProcessEntry{}).start_ticks;
  return fmt::format("{}{}-{}-{:016x}", kTempPrefix, getpid(), start, rng());
}

// Temporaries named before writers were recorded in the name are stale after this long
// without a write.
constexpr auto kUnownedTempAge = std::chrono::hours(1);

bool IsStaleTemporary(const fs::path& path) {
  std::string name = path.filename().string();
  if (!name.starts_with(kTempPrefix)) return false;
  std::vector<std::string> parts = Split(name.substr(kTempPrefix.size()), '-');
  if (parts.size() == 3) {
    int pid = std::atoi(parts[0].c_str());
    int64_t start = std::strtoll(parts[1].c_str(), nullptr, 10);
    auto writer = ReadProcessEntry(pid);
    return !writer || writer->zombie || writer->start_ticks != start;
  }
  std::error_code ec;
  auto written = fs::last_write_time(path, ec);
  return !ec && fs::file_time_type::clock::now() - written > kUnownedTempAge;
}

Result<ObjectInfo> InfoOf(const std::string& key, const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return Err(ErrorCode::kIo, "{}", Errno("cannot stat", path));
  ObjectInfo info;
  info.key = key;
  info.size = st.st_size;
  info.modified = Time{std::chrono::duration_cast<Micros>(
      std::chrono::seconds{st.st_mtim.tv_sec} + std::chrono::nanoseconds{st.st_mtim.tv_nsec})};
  info.etag = fmt::format("{:x}-{:x}", st.st_size, ToMicros(info.modified));
  return info;
}

}  // namespace

Result<std::string> PublishFile(const std::string& source, const std::string& target,
                                const std::string& expected_sha256) {
  // The source first: a put that cannot read it leaves no trace, not even a folder.
  Fd in(open(source.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.get() < 0) return Err(ErrorCode::kIo, "{}", Errno("cannot read", source));
  fs::path dir = fs::path(target).parent_path();
  TRY(MakeDirs(dir.string()));
  // What killed puts left in this folder goes now, not at some later sweep.
  (void)RemoveStaleTemporaries(dir.string(), false);
  std::string temp = (dir / TempName()).string();
  Fd out(open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (out.get() < 0) return Err(ErrorCode::kIo, "{}", Errno("cannot create", temp));
  auto fail = [&](Error e) -> Result<std::string> {
    unlink(temp.c_str());
    return std::unexpected(std::move(e));
  };
  Sha256 h;
  std::string buf(kChunk, '\0');
  while (true) {
    ssize_t n = read(in.get(), buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(Error{ErrorCode::kIo, Errno("cannot read", source)});
    }
    if (n == 0) break;
    h.Update(std::string_view(buf.data(), static_cast<size_t>(n)));
    for (ssize_t done = 0; done < n;) {
      ssize_t w = write(out.get(), buf.data() + done, static_cast<size_t>(n - done));
      if (w < 0) {
        if (errno == EINTR) continue;
        return fail(Error{ErrorCode::kIo, Errno("cannot write", temp)});
      }
      done += w;
    }
  }
  if (fsync(out.get()) != 0) return fail(Error{ErrorCode::kIo, Errno("cannot fsync", temp)});
  std::string read_hash = h.HexDigest();
  if (!expected_sha256.empty() && read_hash != expected_sha256) {
    return fail(Error{ErrorCode::kInvalidArgument,
                      fmt::format("{} has sha256 {}, expected {}: nothing was published", source,
                                  read_hash, expected_sha256)});
  }
  // End to end: what landed on disk must hash like what was read.
  auto stored = HashFile(temp);
  if (!stored) return fail(stored.error());
  if (*stored != read_hash) {
    return fail(
        Error{ErrorCode::kIo, fmt::format("{} was stored corrupted (sha256 {} on disk, {} read): "
                                          "nothing was published",
                                          target, *stored, read_hash)});
  }
  if (rename(temp.c_str(), target.c_str()) != 0) {
    return fail(Error{ErrorCode::kIo, Errno("cannot publish", target)});
  }
  Fd d(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (d.get() >= 0) fsync(d.get());
  return read_hash;
}

std::vector<std::string> RemoveStaleTemporaries(const std::string& folder, bool recursive,
                                                bool dry_run) {
  std::vector<std::string> out;
  std::error_code ec;
  auto consider = [&](const fs::directory_entry& e) {
    std::error_code fec;
    if (!e.is_regular_file(fec) || !IsStaleTemporary(e.path())) return;
    if (dry_run || unlink(e.path().c_str()) == 0) out.push_back(e.path().string());
  };
  if (recursive) {
    for (fs::recursive_directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
      consider(*it);
    }
  } else {
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
      consider(*it);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::unique_ptr<FileObjectStore>> FileObjectStore::Open(const std::string& root) {
  TRY_CONTEXT(MakeDirs(root), "the lake folder");
  std::string clean = fs::path(root).lexically_normal().string();
  while (clean.size() > 1 && clean.back() == '/') clean.pop_back();
  return std::unique_ptr<FileObjectStore>(new FileObjectStore(clean));
}

Result<ObjectInfo> FileObjectStore::Put(const std::string& key, const std::string& source,
                                        const PutOptions& options) {
  TRY(ValidateKey(key));
  // A link inside the lake must not let a put write elsewhere.
  TRY(CheckStaysInside(root_, fs::path(PathOf(key)).parent_path().string()));
  std::string sha = TRY(PublishFile(source, PathOf(key), options.expected_sha256));
  ObjectInfo info = TRY(InfoOf(key, PathOf(key)));
  info.sha256 = sha;  // the etag stays what Head reports, so the two can be compared
  return info;
}

Status FileObjectStore::Get(const std::string& key, const std::string& dest) {
  TRY(ValidateKey(key));
  if (!fs::exists(PathOf(key))) {
    return Err(ErrorCode::kNotFound, "no object {} in {}", key, uri());
  }
  TRY(CheckStaysInside(root_, PathOf(key)));  // nor read a file from elsewhere
  TRY(PublishFile(PathOf(key), dest, ""));
  return {};
}

Result<std::optional<ObjectInfo>> FileObjectStore::Head(const std::string& key) {
  TRY(ValidateKey(key));
  std::error_code ec;
  if (!fs::is_regular_file(PathOf(key), ec)) return std::optional<ObjectInfo>();
  return std::optional<ObjectInfo>(TRY(InfoOf(key, PathOf(key))));
}

Result<std::vector<ObjectInfo>> FileObjectStore::List(const std::string& prefix) {
  std::vector<ObjectInfo> out;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(root_, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    std::string name = it->path().filename().string();
    if (name.rfind(kTempPrefix, 0) == 0) continue;  // a put in progress, or a killed one
    std::string key = it->path().lexically_relative(root_).string();
    if (key.rfind(prefix, 0) != 0) continue;
    out.push_back(TRY(InfoOf(key, it->path().string())));
  }
  if (ec) return Err(ErrorCode::kIo, "cannot list {}: {}", root_, ec.message());
  std::sort(out.begin(), out.end(),
            [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
  return out;
}

Status FileObjectStore::Delete(const std::string& key) {
  TRY(ValidateKey(key));
  if (unlink(PathOf(key).c_str()) != 0 && errno != ENOENT) {
    return Err(ErrorCode::kIo, "{}", Errno("cannot delete", PathOf(key)));
  }
  return {};
}

Result<ObjectInfo> FileObjectStore::Copy(const std::string& from_key, const std::string& to_key) {
  TRY(ValidateKey(from_key));
  TRY(ValidateKey(to_key));
  if (!fs::exists(PathOf(from_key))) {
    return Err(ErrorCode::kNotFound, "no object {} in {}", from_key, uri());
  }
  TRY(CheckStaysInside(root_, PathOf(from_key)));
  return Put(to_key, PathOf(from_key), {});
}

}  // namespace weir
