#include "engine/remote_logs.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <utility>

#include "base/log.h"

namespace weir {

namespace fs = std::filesystem;

namespace {

// A fresh private folder under $TMPDIR (or /tmp) for the files this module writes.
Result<std::string> MakeTempFolder(std::string_view what) {
  const char* base = getenv("TMPDIR");
  std::string pattern = fmt::format("{}/weir-{}-XXXXXX", base && *base ? base : "/tmp", what);
  if (mkdtemp(pattern.data()) == nullptr) {
    return Err(ErrorCode::kIo, "cannot create a temporary folder {}: {}", pattern,
               std::error_code(errno, std::generic_category()).message());
  }
  return pattern;
}

void RemoveFolder(const std::string& path) {
  std::error_code ec;
  if (!path.empty()) fs::remove_all(path, ec);
}

// Copies the log at `path` into `snapshot` up to its last complete line (a line being
// written is left for the next send); returns how many bytes were kept.
Result<int64_t> SnapshotLines(const std::string& path, const std::string& snapshot) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Err(ErrorCode::kIo, "cannot read {}", path);
  std::ofstream out(snapshot, std::ios::binary | std::ios::trunc);
  if (!out) return Err(ErrorCode::kIo, "cannot write {}", snapshot);
  std::string buf(64 * 1024, '\0');
  int64_t copied = 0;
  int64_t lines_end = 0;
  while (in.read(buf.data(), static_cast<std::streamsize>(buf.size())) || in.gcount() > 0) {
    auto n = static_cast<size_t>(in.gcount());
    std::string_view piece(buf.data(), n);
    if (size_t nl = piece.rfind('\n'); nl != std::string_view::npos) {
      lines_end = copied + static_cast<int64_t>(nl) + 1;
    }
    out.write(buf.data(), static_cast<std::streamsize>(n));
    copied += static_cast<int64_t>(n);
  }
  out.close();
  if (!out) return Err(ErrorCode::kIo, "cannot write {}", snapshot);
  std::error_code ec;
  fs::resize_file(snapshot, static_cast<uintmax_t>(lines_end), ec);
  if (ec) return Err(ErrorCode::kIo, "cannot truncate {}: {}", snapshot, ec.message());
  return lines_end;
}

}  // namespace

Result<std::string> RemoteLogKey(const AttemptKey& key) {
  // The log's path below the logs folder: one layout for the folder and its remote copy.
  std::string rel = AttemptLogPath("", key);
  TRY_CONTEXT(ValidateKey(rel), fmt::format("the remote log of {}", key.ToString()));
  return rel;
}

Result<std::unique_ptr<ObjectStore>> OpenRemoteLogs(const std::string& uri,
                                                    const LakeAccess& access) {
  if (uri.empty()) return Err(ErrorCode::kInvalidArgument, "remote_logs is not set");
  return TRY_CONTEXT(OpenObjectStore(uri, access), fmt::format("remote_logs {}", uri));
}

// --- LogShipper ------------------------------------------------------------------------------

LogShipper::LogShipper(std::unique_ptr<ObjectStore> store, std::chrono::milliseconds every)
    : store_(std::move(store)), every_(every) {
  thread_ = std::thread([this] { Loop(); });
}

LogShipper::~LogShipper() { Stop(); }

void LogShipper::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

int LogShipper::failures() const {
  std::lock_guard lock(mu_);
  return failures_;
}

void LogShipper::Follow(const AttemptKey& key, const std::string& path) {
  if (path.empty()) return;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    // Sent at once (its header says what runs), then every `every_` while it grows.
    followed_[key.ToString()] = Followed{.key = key, .path = path, .due = Steady::now()};
  }
  wake_.notify_all();
}

void LogShipper::Finish(const AttemptKey& key, const std::string& path,
                        std::function<void()> then) {
  {
    std::unique_lock lock(mu_);
    auto it = followed_.find(key.ToString());
    Followed log =
        it != followed_.end() ? std::move(it->second) : Followed{.key = key, .path = path};
    if (it != followed_.end()) followed_.erase(it);
    if (!path.empty() && !stopped_) {
      log.path = path;
      finals_.push_back(Final{std::move(log), std::move(then)});
      lock.unlock();
      wake_.notify_all();
      return;
    }
  }
  if (then) then();
}

void LogShipper::Loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    // The ends first: a try's end waits to be reported until its log is sent.
    if (!finals_.empty()) {
      Final final = std::move(finals_.front());
      finals_.pop_front();
      lock.unlock();
      auto sent = Send(final.log, /*complete=*/true);
      if (!sent) Warn(final.log, sent.error());
      if (final.then) final.then();
      lock.lock();
      if (!sent) ++failures_;
      continue;
    }
    if (stopping_) break;
    auto next = followed_.end();
    for (auto it = followed_.begin(); it != followed_.end(); ++it) {
      if (next == followed_.end() || it->second.due < next->second.due) next = it;
    }
    if (next == followed_.end()) {
      wake_.wait(lock);
      continue;
    }
    if (next->second.due > Steady::now()) {
      // A copy: wait_until reads the time after it wakes, and Finish may have erased the
      // entry while the lock was released.
      const Steady::time_point due = next->second.due;
      wake_.wait_until(lock, due);
      continue;
    }
    Followed log = next->second;
    lock.unlock();
    auto sent = Send(log, /*complete=*/false);
    lock.lock();
    if (!sent) ++failures_;
    // Finish may have taken the log meanwhile: its final send covers what this one missed.
    auto it = followed_.find(log.key.ToString());
    if (it == followed_.end()) continue;
    if (sent) {
      it->second.sent = *sent;
    } else if (!it->second.warned) {
      // One warning per log while it runs, not one every few seconds: its end warns again.
      Warn(log, sent.error());
      it->second.warned = true;
    }
    it->second.due = Steady::now() + every_;
  }
  stopped_ = true;
}

Result<int64_t> LogShipper::Send(const Followed& log, bool complete) {
  const int64_t held = log.sent;
  std::error_code ec;
  auto size = static_cast<int64_t>(fs::file_size(log.path, ec));
  if (ec || size <= held) return held;  // no log (yet), or nothing new since the last send
  const std::string key = TRY(RemoteLogKey(log.key));
  if (complete) {
    ObjectInfo stored = TRY(store_->Put(key, log.path));
    return stored.size;
  }
  // The store hashes the file before it sends it: it must not grow meanwhile.
  std::string folder = TRY(MakeTempFolder("log-upload"));
  std::string snapshot = (fs::path(folder) / "attempt.log").string();
  auto put = [&]() -> Result<int64_t> {
    int64_t lines = TRY(SnapshotLines(log.path, snapshot));
    if (lines <= held) return held;
    TRY(store_->Put(key, snapshot));
    return lines;
  };
  Result<int64_t> sent = put();
  RemoveFolder(folder);
  return sent;
}

void LogShipper::Warn(const Followed& log, const Error& error) {
  Log::Warn(
      "cannot send the log of {} to remote_logs {}: {} (the try goes on; its log stays in {})",
      log.key.ToString(), store_->uri(), error.message, log.path);
}

// --- RemoteLogCopy ---------------------------------------------------------------------------

Result<std::optional<RemoteLogCopy>> RemoteLogCopy::Fetch(ObjectStore& store,
                                                          const AttemptKey& key) {
  std::string object_key = TRY(RemoteLogKey(key));
  auto context = [&] {
    return fmt::format("reading the log of {} from remote_logs {}", key.ToString(), store.uri());
  };
  std::optional<ObjectInfo> head = TRY_CONTEXT(store.Head(object_key), context());
  if (!head) return std::optional<RemoteLogCopy>();
  std::string folder = TRY(MakeTempFolder("remote-log"));
  RemoteLogCopy copy(object_key, (fs::path(folder) / "attempt.log").string());
  if (!TRY_CONTEXT(copy.Download(store, *head), context())) return std::optional<RemoteLogCopy>();
  return std::optional<RemoteLogCopy>(std::move(copy));
}

RemoteLogCopy::RemoteLogCopy(RemoteLogCopy&& other) noexcept
    : key_(std::move(other.key_)),
      path_(std::exchange(other.path_, std::string())),
      etag_(std::move(other.etag_)),
      size_(other.size_) {}

RemoteLogCopy& RemoteLogCopy::operator=(RemoteLogCopy&& other) noexcept {
  if (this != &other) {
    if (!path_.empty()) RemoveFolder(fs::path(path_).parent_path().string());
    key_ = std::move(other.key_);
    path_ = std::exchange(other.path_, std::string());
    etag_ = std::move(other.etag_);
    size_ = other.size_;
  }
  return *this;
}

RemoteLogCopy::~RemoteLogCopy() {
  if (!path_.empty()) RemoveFolder(fs::path(path_).parent_path().string());
}

Result<bool> RemoteLogCopy::Refresh(ObjectStore& store) {
  auto context = [&] { return fmt::format("reading {} from remote_logs {}", key_, store.uri()); };
  std::optional<ObjectInfo> head = TRY_CONTEXT(store.Head(key_), context());
  if (!head || (head->etag == etag_ && head->size == size_)) return false;
  return TRY_CONTEXT(Download(store, *head), context());
}

Result<bool> RemoteLogCopy::Download(ObjectStore& store, const ObjectInfo& now) {
  Status got = store.Get(key_, path_);
  if (!got) {
    if (got.error().code == ErrorCode::kNotFound) return false;  // deleted since its Head
    return std::unexpected(got.error());
  }
  etag_ = now.etag;
  size_ = now.size;
  return true;
}

}  // namespace weir
