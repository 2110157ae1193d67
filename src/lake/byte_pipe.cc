#include "lake/byte_pipe.h"

#include <algorithm>
#include <cstring>

namespace weir {

BytePipe::BytePipe(size_t capacity) : ring_(std::max<size_t>(capacity, 1), '\0') {}

Status BytePipe::Write(std::string_view bytes) {
  std::unique_lock lock(mu_);
  while (!bytes.empty()) {
    changed_.wait(lock, [&] { return read_error_ || size_ < ring_.size(); });
    if (read_error_) return std::unexpected(*read_error_);
    size_t tail = (head_ + size_) % ring_.size();
    size_t n = std::min({bytes.size(), ring_.size() - size_, ring_.size() - tail});
    std::memcpy(ring_.data() + tail, bytes.data(), n);
    size_ += n;
    bytes.remove_prefix(n);
    changed_.notify_all();
  }
  return {};
}

void BytePipe::CloseWrite(const Status& why) {
  std::lock_guard lock(mu_);
  write_closed_ = true;
  if (!why) write_error_ = why.error();
  changed_.notify_all();
}

Result<size_t> BytePipe::Read(char* buf, size_t n) {
  std::unique_lock lock(mu_);
  changed_.wait(lock, [&] { return size_ > 0 || write_closed_; });
  if (write_error_) return std::unexpected(*write_error_);
  n = std::min({n, size_, ring_.size() - head_});
  std::memcpy(buf, ring_.data() + head_, n);
  head_ = (head_ + n) % ring_.size();
  size_ -= n;
  changed_.notify_all();
  return n;
}

void BytePipe::CloseRead(const Status& why) {
  std::lock_guard lock(mu_);
  read_error_ = why ? MakeError(ErrorCode::kIo, "the reader stopped").error() : why.error();
  changed_.notify_all();
}

}  // namespace weir
