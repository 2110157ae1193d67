#pragma once

#include <optional>
#include <string>

#include "base/status.h"
#include "lake/object_store.h"

namespace weir {

// Copies the object `from` of `source` (as a listing gave it: its key and size) to `key` of
// `sink` through memory, never through a file: an object up to 4 MiB is read whole and then
// put; a larger one streams, source.Read feeding sink.PutStream through a 4 MiB pipe, the two
// running at once, so that a copy between two services takes one pass over the bytes and
// little memory (the pipe, and a part when the sink puts in parts). The object is taken as the
// source serves it when the read begins (size, ETag and checksums from that answer). Its last
// bytes reach the sink only once the source has checked what it sent (size, sha256), so a bad
// read publishes nothing. A transient failure (IsTransient) starts the copy again, up to 3
// tries. nullopt when either store cannot stream (CanRead, CanPutStream): copy through a file.
Result<std::optional<ObjectInfo>> StreamCopy(ObjectStore& source, const ObjectInfo& from,
                                             ObjectStore& sink, const std::string& key);

}  // namespace weir
