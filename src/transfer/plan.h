#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "base/time.h"
#include "lake/object_store.h"
#include "transfer/spec.h"

namespace weir {

// What a transfer does with one object, decided from the two listings.
enum class TransferAction {
  kCopy,            // copy it to the sink
  kCheck,           // same size, no checksum to compare yet: the runner reads the checksums
                    // (a HEAD, or hashing a local file) and copies when they differ
  kSkip,            // the sink already has it (or overwrite_when: never)
  kDeleteFromSink,  // only the sink has it (delete_objects_unique_in_sink)
  kMissing,         // named by the manifest, absent from the source: a failure
};
std::string_view TransferActionName(TransferAction a);  // "copy", "check", "skip", ...

struct TransferItem {
  std::string key{};  // relative to the source's path (and the sink's)
  TransferAction action = TransferAction::kCopy;
  std::string reason{};  // "new", "size 10 -> 12", "same md5", "only in the sink", ...
  std::optional<ObjectInfo> source{};
  std::optional<ObjectInfo> sink{};
  // After a copy (or a same-content skip), delete it from the source
  // (delete_objects_from_source_after_transfer).
  bool delete_source = false;
};

// The Transfer Service's TransferCounters, those weir counts (objects and bytes).
struct TransferCounters {
  int64_t objects_found_from_source = 0;  // to copy (or check)
  int64_t bytes_found_from_source = 0;
  int64_t objects_found_only_from_sink = 0;  // to delete from the sink
  int64_t bytes_found_only_from_sink = 0;
  int64_t objects_from_source_skipped_by_sync = 0;
  int64_t bytes_from_source_skipped_by_sync = 0;
  int64_t objects_copied_to_sink = 0;
  int64_t bytes_copied_to_sink = 0;
  int64_t objects_deleted_from_source = 0;
  int64_t bytes_deleted_from_source = 0;
  int64_t objects_deleted_from_sink = 0;
  int64_t bytes_deleted_from_sink = 0;
  int64_t objects_from_source_failed = 0;
  int64_t bytes_from_source_failed = 0;
  int64_t objects_failed_to_delete_from_sink = 0;
  int64_t bytes_failed_to_delete_from_sink = 0;
};
Json TransferCountersJson(const TransferCounters& c);

struct TransferPlan {
  std::vector<TransferItem> items;  // by key; objects the conditions exclude are not here
  TransferCounters counters;        // the found and skipped counters
  int64_t source_considered = 0;    // source objects the conditions admit
  int64_t sink_considered = 0;      // sink objects the prefixes admit
};

// Whether two objects hold the same bytes, from what their listings say: false when the sizes
// differ, else the comparison of a checksum both have (md5, then sha256); nullopt when there
// is none to compare. `why` gets the reason ("size 10 -> 12", "same md5", "md5 differs").
std::optional<bool> SameContent(const ObjectInfo& source, const ObjectInfo& sink, std::string* why);

// Decides each object's action. `source` and `sink` are the listings under the source's and
// the sink's paths (keys relative to them); `start` is the operation's start (the time
// conditions' reference); `manifest`, when given, is the only keys to consider. Conditions
// select source objects; prefixes (never times) select the sink objects that
// delete_objects_unique_in_sink may delete. With max_deletes, a plan that would delete more
// is refused (kFailedPrecondition, saying how many of how many), before anything changes.
Result<TransferPlan> PlanTransfer(const TransferSpec& spec, const std::vector<ObjectInfo>& source,
                                  const std::vector<ObjectInfo>& sink, Time start,
                                  const std::optional<std::set<std::string>>& manifest = {});

}  // namespace weir
