#include "lake/stream_copy.h"

#include <algorithm>
#include <chrono>
#include <future>
#include <memory>
#include <thread>

#include "lake/byte_pipe.h"
#include "net/http_client.h"

namespace weir {

namespace {

// Objects up to this size are read whole into memory and then put; larger ones stream through
// a pipe of this size, read and put at once.
constexpr int64_t kInMemoryBytes = int64_t{4} << 20;
constexpr int kTries = 3;

// Reads the object whole, then puts it: no thread, no pipe. nullopt when the source says the
// object is larger than kInMemoryBytes after all (it grew since it was listed).
Result<std::optional<ObjectInfo>> CopyInMemory(ObjectStore& source, const std::string& from_key,
                                               ObjectStore& sink, const std::string& key) {
  ObjectInfo now;
  std::string bytes;
  bool too_large = false;
  auto on_head = [&](const ObjectInfo& head) -> Status {
    now = head;
    too_large = head.size > kInMemoryBytes;
    if (too_large) return Err(ErrorCode::kFailedPrecondition, "larger than listed");
    bytes.reserve(static_cast<size_t>(head.size));
    return {};
  };
  auto on_body = [&](std::string_view piece) -> Status {
    if (bytes.size() + piece.size() > static_cast<size_t>(now.size)) {
      return Err(ErrorCode::kIo, "{}/{} is longer than its Content-Length", source.uri(), from_key);
    }
    bytes.append(piece);
    return {};
  };
  Status read = source.Read(from_key, ObjectSink{on_head, on_body});
  if (too_large) return std::nullopt;
  if (!read) return std::unexpected(read.error());
  if (static_cast<int64_t>(bytes.size()) != now.size) {
    return Err(ErrorCode::kIo, "{}/{} ended {} bytes before its end", source.uri(), from_key,
               now.size - static_cast<int64_t>(bytes.size()));
  }
  std::string_view rest = bytes;
  ByteReader reader = [&](char* buf, size_t n) -> Result<size_t> {
    n = rest.copy(buf, n);
    rest.remove_prefix(n);
    return n;
  };
  return std::optional<ObjectInfo>(TRY(sink.PutStream(key, now, reader)));
}

// Waits for the source to end after the last byte the sink asked for: kIo when it has more.
Status AtEnd(BytePipe& pipe, const std::string& from) {
  char extra = 0;
  size_t more = TRY(pipe.Read(&extra, 1));
  if (more != 0) return Err(ErrorCode::kIo, "{} is longer than its Content-Length", from);
  return {};
}

// Reads and puts at once, a thread reading into a pipe that the put empties.
Result<ObjectInfo> CopyThroughPipe(ObjectStore& source, const std::string& from_key,
                                   ObjectStore& sink, const std::string& key) {
  const std::string from = source.uri() + "/" + from_key;
  std::unique_ptr<BytePipe> pipe;  // made when the size is known, before the head is given
  std::promise<Result<ObjectInfo>> head;
  std::thread reader([&] {
    bool headed = false;
    auto on_head = [&](const ObjectInfo& now) -> Status {
      pipe = std::make_unique<BytePipe>(
          static_cast<size_t>(std::clamp<int64_t>(now.size + 1, 1, kInMemoryBytes)));
      headed = true;
      head.set_value(now);
      return {};
    };
    auto on_body = [&](std::string_view piece) { return pipe->Write(piece); };
    Status read = source.Read(from_key, ObjectSink{on_head, on_body});
    if (!headed) {
      head.set_value(read ? Err(ErrorCode::kIo, "{} sent no object", from)
                          : Result<ObjectInfo>(std::unexpected(read.error())));
    } else {
      pipe->CloseWrite(read);
    }
  });
  Result<ObjectInfo> now = head.get_future().get();
  if (!now) {
    reader.join();
    return std::unexpected(now.error());
  }
  Result<ObjectInfo> put = [&]() -> Result<ObjectInfo> {
    int64_t remaining = now->size;
    if (remaining == 0) TRY(AtEnd(*pipe, from));
    ByteReader read = [&](char* buf, size_t n) -> Result<size_t> {
      if (remaining == 0) return 0;
      n = static_cast<size_t>(std::min<int64_t>(remaining, static_cast<int64_t>(n)));
      size_t got = TRY(pipe->Read(buf, n));
      if (got == 0) {
        return Err(ErrorCode::kIo, "{} ended {} bytes before its end", from, remaining);
      }
      remaining -= static_cast<int64_t>(got);
      if (remaining == 0) TRY(AtEnd(*pipe, from));  // the source checked every byte
      return got;
    };
    return sink.PutStream(key, *now, read);
  }();
  pipe->CloseRead(put ? Status{} : Status(std::unexpected(put.error())));
  reader.join();
  return put;
}

Result<ObjectInfo> CopyOnce(ObjectStore& source, const ObjectInfo& from, ObjectStore& sink,
                            const std::string& key) {
  if (from.size <= kInMemoryBytes) {
    auto copied = TRY(CopyInMemory(source, from.key, sink, key));
    if (copied) return *copied;
  }
  return CopyThroughPipe(source, from.key, sink, key);
}

}  // namespace

Result<std::optional<ObjectInfo>> StreamCopy(ObjectStore& source, const ObjectInfo& from,
                                             ObjectStore& sink, const std::string& key) {
  if (!source.CanRead() || !sink.CanPutStream()) return std::nullopt;
  auto delay = std::chrono::milliseconds(200);
  for (int attempt = 1;; ++attempt) {
    Result<ObjectInfo> copied = CopyOnce(source, from, sink, key);
    if (copied) return std::optional<ObjectInfo>(std::move(*copied));
    if (attempt == kTries || !IsTransient(copied.error())) return std::unexpected(copied.error());
    std::this_thread::sleep_for(delay);
    delay *= 4;
  }
}

}  // namespace weir
