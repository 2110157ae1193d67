#include "exec/attempt_log.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <utility>

#include "base/time.h"
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

Result<AttemptLog> AttemptLog::Open(const std::string& path, SecretMasker masker, bool timestamps) {
  if (path.empty()) return AttemptLog(-1, std::move(masker), timestamps);
  size_t slash = path.rfind('/');
  if (slash != std::string::npos && slash > 0) TRY(MakeDirs(path.substr(0, slash)));
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return Err(ErrorCode::kIo, "cannot open log '{}': {}", path, strerror(errno));
  return AttemptLog(fd, std::move(masker), timestamps);
}

AttemptLog::AttemptLog(AttemptLog&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      masker_(std::move(other.masker_)),
      timestamps_(other.timestamps_),
      line_start_(other.line_start_),
      masking_{std::move(other.masking_[0]), std::move(other.masking_[1])},
      partial_{std::move(other.partial_[0]), std::move(other.partial_[1])},
      stdout_line_(std::move(other.stdout_line_)),
      last_line_(std::move(other.last_line_)) {}

AttemptLog& AttemptLog::operator=(AttemptLog&& other) noexcept {
  if (this != &other) {
    Close();
    fd_ = std::exchange(other.fd_, -1);
    masker_ = std::move(other.masker_);
    timestamps_ = other.timestamps_;
    line_start_ = other.line_start_;
    for (int s : {kStdout, kStderr}) {
      masking_[s] = std::move(other.masking_[s]);
      partial_[s] = std::move(other.partial_[s]);
    }
    stdout_line_ = std::move(other.stdout_line_);
    last_line_ = std::move(other.last_line_);
  }
  return *this;
}

AttemptLog::~AttemptLog() { Close(); }

void AttemptLog::Close() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

void AttemptLog::Write(std::string_view text) { WriteFile(masker_.Mask(text)); }

void AttemptLog::WriteFile(std::string_view text) {
  if (!timestamps_ || fd_ < 0) return WriteRaw(text);
  // One write per call, as without stamps: the stamp goes before each line's first byte.
  std::string stamped;
  stamped.reserve(text.size() + 32);
  std::string stamp =
      FormatTime(std::chrono::time_point_cast<Micros>(std::chrono::system_clock::now()),
                 "%Y-%m-%dT%H:%M:%S.%f");
  stamp.resize(stamp.size() - 3);  // milliseconds: a fixed width
  stamp += "Z ";
  while (!text.empty()) {
    if (line_start_) stamped += stamp;
    size_t nl = text.find('\n');
    size_t end = nl == std::string_view::npos ? text.size() : nl + 1;
    stamped.append(text.substr(0, end));
    line_start_ = nl != std::string_view::npos;
    text.remove_prefix(end);
  }
  WriteRaw(stamped);
}

void AttemptLog::WriteRaw(std::string_view text) {
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
  std::string_view raw(data, size);
  if (stream == kStdout) TrackLastLine(raw);
  if (masker_.empty()) return AppendLines(stream, raw);
  // Masked before it is cut into lines: a secret may span lines and chunks.
  AppendLines(stream, masking_[stream].Feed(masker_, raw));
}

void AttemptLog::AppendLines(Stream stream, std::string_view text) {
  std::string& partial = partial_[stream];
  size_t nl = text.rfind('\n');
  if (nl == std::string_view::npos) {
    partial.append(text);
    if (partial.size() >= kMaxPartialLine) FlushPartial(stream);
    return;
  }
  std::string_view complete = text.substr(0, nl + 1);
  if (partial.empty()) {
    WriteFile(complete);
  } else {
    partial.append(complete);
    WriteFile(partial);
  }
  partial.assign(text.substr(nl + 1));
}

void AttemptLog::TrackLastLine(std::string_view raw) {
  size_t nl = raw.rfind('\n');
  if (nl == std::string_view::npos) {
    stdout_line_.append(raw);
    if (stdout_line_.size() >= kMaxPartialLine) EndStdoutLine();
    return;
  }
  // The complete lines are stdout_line_ + raw[0, nl); the last non-blank one wins.
  std::string_view lines = raw.substr(0, nl);
  size_t first_nl = lines.find('\n');
  std::string_view later = first_nl == std::string_view::npos
                               ? std::string_view()
                               : LastNonBlankLine(lines.substr(first_nl + 1));
  if (!later.empty()) {
    last_line_.assign(later);
    stdout_line_.clear();
  } else {
    stdout_line_.append(lines.substr(0, first_nl));
    EndStdoutLine();
  }
  stdout_line_.assign(raw.substr(nl + 1));
}

void AttemptLog::EndStdoutLine() {
  if (std::string_view line = RightTrim(stdout_line_); !line.empty()) last_line_.assign(line);
  stdout_line_.clear();
}

void AttemptLog::FlushPartial(Stream stream) {
  std::string& partial = partial_[stream];
  if (partial.empty()) return;
  partial += '\n';
  WriteFile(partial);
  partial.clear();
}

void AttemptLog::FlushPartialLines() {
  for (Stream s : {kStdout, kStderr}) {
    AppendLines(s, masking_[s].Finish(masker_));
    FlushPartial(s);
  }
  EndStdoutLine();
}

}  // namespace weir
