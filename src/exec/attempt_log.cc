#include "exec/attempt_log.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <utility>

#include "env/files.h"

namespace weir {
namespace {

constexpr size_t kMaxPartialLine = 64 * 1024;

std::string_view RightTrim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// The last line of text that is not blank, right-trimmed; empty when there is none.
std::string_view LastNonBlankLine(std::string_view text) {
  while (!text.empty()) {
    size_t nl = text.rfind('\n');
    std::string_view line = RightTrim(nl == std::string_view::npos ? text : text.substr(nl + 1));
    if (!line.empty()) return line;
    if (nl == std::string_view::npos) break;
    text = text.substr(0, nl);
  }
  return {};
}

}  // namespace

Result<AttemptLog> AttemptLog::Open(const std::string& path) {
  if (path.empty()) return AttemptLog();
  size_t slash = path.rfind('/');
  if (slash != std::string::npos && slash > 0) TRY(MakeDirs(path.substr(0, slash)));
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return Err(ErrorCode::kIo, "cannot open log '{}': {}", path, strerror(errno));
  return AttemptLog(fd);
}

AttemptLog::AttemptLog(AttemptLog&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      partial_{std::move(other.partial_[0]), std::move(other.partial_[1])},
      last_line_(std::move(other.last_line_)) {}

AttemptLog& AttemptLog::operator=(AttemptLog&& other) noexcept {
  if (this != &other) {
    Close();
    fd_ = std::exchange(other.fd_, -1);
    partial_[0] = std::move(other.partial_[0]);
    partial_[1] = std::move(other.partial_[1]);
    last_line_ = std::move(other.last_line_);
  }
  return *this;
}

AttemptLog::~AttemptLog() { Close(); }

void AttemptLog::Close() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

void AttemptLog::Write(std::string_view text) {
  while (fd_ >= 0 && !text.empty()) {
    ssize_t n = write(fd_, text.data(), text.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    text.remove_prefix(static_cast<size_t>(n));
  }
}

void AttemptLog::Append(Stream stream, const char* data, size_t size) {
  std::string& partial = partial_[stream];
  const char* nl = static_cast<const char*>(memrchr(data, '\n', size));
  if (nl == nullptr) {
    partial.append(data, size);
    if (partial.size() >= kMaxPartialLine) FlushPartial(stream);
    return;
  }
  size_t complete = static_cast<size_t>(nl - data) + 1;
  if (stream == kStdout) TrackLastLine(std::string_view(data, complete));
  if (partial.empty()) {
    Write(std::string_view(data, complete));
  } else {
    partial.append(data, complete);
    Write(partial);
  }
  partial.assign(nl + 1, size - complete);
}

void AttemptLog::TrackLastLine(std::string_view complete) {
  // `complete` ends with '\n'; its first line continues partial_[kStdout].
  std::string_view body = complete.substr(0, complete.size() - 1);
  size_t first_nl = body.find('\n');
  if (first_nl != std::string_view::npos) {
    std::string_view line = LastNonBlankLine(body.substr(first_nl + 1));
    if (!line.empty()) {
      last_line_.assign(line);
      return;
    }
  }
  std::string_view head = body.substr(0, first_nl);
  std::string joined;
  if (!partial_[kStdout].empty()) {
    joined = partial_[kStdout] + std::string(head);
    head = joined;
  }
  if (std::string_view line = RightTrim(head); !line.empty()) last_line_.assign(line);
}

void AttemptLog::FlushPartial(Stream stream) {
  std::string& partial = partial_[stream];
  if (partial.empty()) return;
  if (stream == kStdout) {
    if (std::string_view line = RightTrim(partial); !line.empty()) last_line_.assign(line);
  }
  partial += '\n';
  Write(partial);
  partial.clear();
}

void AttemptLog::FlushPartialLines() {
  FlushPartial(kStdout);
  FlushPartial(kStderr);
}

}  // namespace weir
