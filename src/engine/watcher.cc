#include "engine/watcher.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace weir {

namespace fs = std::filesystem;

Watcher::Watcher(EventQueue& queue, std::string dags_folder, std::string wake_file,
                 std::unique_ptr<ChangeListener> listener)
    : queue_(queue),
      dags_folder_(std::move(dags_folder)),
      wake_file_(std::move(wake_file)),
      listener_(std::move(listener)) {}

Watcher::~Watcher() { Stop(); }

Status Watcher::Start() {
  inotify_fd_ = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (inotify_fd_ < 0) {
    return Err(ErrorCode::kIo, "inotify_init1 failed: {}", std::strerror(errno));
  }
  stop_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stop_fd_ < 0) return Err(ErrorCode::kIo, "eventfd failed: {}", std::strerror(errno));
  if (!dags_folder_.empty()) WatchTree(dags_folder_);
  if (!wake_file_.empty()) {
    std::string dir = fs::path(wake_file_).parent_path().string();
    std::error_code ec;
    fs::create_directories(dir, ec);
    wake_dir_wd_ = inotify_add_watch(inotify_fd_, dir.c_str(), IN_CLOSE_WRITE | IN_ATTRIB);
  }
  thread_ = std::thread([this] { Loop(); });
  if (listener_) {
    listener_thread_ = std::thread([this] {
      while (listener_->Wait(stop_fd_))
        queue_.Post(SchedulerEvent{SchedulerEvent::Kind::kWake, {}});
    });
  }
  return {};
}

void Watcher::Stop() {
  if (thread_.joinable()) {
    uint64_t one = 1;
    [[maybe_unused]] auto n = write(stop_fd_, &one, sizeof one);
    thread_.join();
  }
  if (listener_thread_.joinable()) listener_thread_.join();
  if (inotify_fd_ >= 0) close(inotify_fd_);
  if (stop_fd_ >= 0) close(stop_fd_);
  inotify_fd_ = stop_fd_ = -1;
}

void Watcher::WatchTree(const std::string& dir) {
  constexpr uint32_t kMask =
      IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF;
  inotify_add_watch(inotify_fd_, dir.c_str(), kMask | IN_ONLYDIR);
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_directory(ec)) inotify_add_watch(inotify_fd_, it->path().c_str(), kMask);
  }
}

void Watcher::Loop() {
  alignas(inotify_event) char buf[8192];
  while (true) {
    pollfd fds[2] = {{inotify_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents & POLLIN) return;
    bool dags_changed = false;
    bool wake = false;
    while (true) {
      ssize_t n = read(inotify_fd_, buf, sizeof buf);
      if (n <= 0) break;
      for (char* p = buf; p < buf + n;) {
        auto* ev = reinterpret_cast<inotify_event*>(p);
        p += sizeof(inotify_event) + ev->len;
        if (ev->wd == wake_dir_wd_) {
          std::string name = ev->len > 0 ? ev->name : "";
          if (name == fs::path(wake_file_).filename().string()) wake = true;
          continue;
        }
        if ((ev->mask & IN_ISDIR) && (ev->mask & (IN_CREATE | IN_MOVED_TO))) {
          // A new subfolder: watch it (and what was put in it before the watch existed).
          dags_changed = true;
          WatchTree(dags_folder_);
          continue;
        }
        std::string name = ev->len > 0 ? ev->name : "";
        if (name.empty() || name[0] == '.') {
          if (ev->mask & IN_DELETE_SELF) dags_changed = true;
          continue;
        }
        dags_changed = true;
      }
    }
    if (dags_changed) queue_.Post(SchedulerEvent{SchedulerEvent::Kind::kDagsChanged, {}});
    if (wake) queue_.Post(SchedulerEvent{SchedulerEvent::Kind::kWake, {}});
  }
}

void WakeScheduler(const std::string& wake_file) {
  std::error_code ec;
  fs::create_directories(fs::path(wake_file).parent_path(), ec);
  int fd = open(wake_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd >= 0) close(fd);
}

}  // namespace weir
