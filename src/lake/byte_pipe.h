#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace weir {

// Bytes handed from one thread to another through a bounded buffer: the writer blocks while
// it is full, the reader while it is empty. Either side may end it with an error, which the
// other then gets from its next (or blocked) call; the writer ends it without one at the end
// of its bytes. Memory stays below `capacity` however fast either side is.
class BytePipe {
 public:
  explicit BytePipe(size_t capacity);

  // Copies `bytes` in, waiting for room. Fails with the reader's error once it has closed.
  Status Write(std::string_view bytes);
  // The writer's end: no more bytes (`why` empty), or an error the reader will get.
  void CloseWrite(const Status& why = {});

  // Copies up to `n` bytes out, waiting for some. 0 once the writer has ended without an error
  // and every byte was read; the writer's error when it ended with one.
  Result<size_t> Read(char* buf, size_t n);
  // The reader's end: the writer's next Write fails with `why`.
  void CloseRead(const Status& why);

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  std::string ring_;
  size_t head_ = 0;  // the next byte to read
  size_t size_ = 0;  // bytes held
  bool write_closed_ = false;
  std::optional<Error> write_error_;
  std::optional<Error> read_error_;
};

}  // namespace weir
