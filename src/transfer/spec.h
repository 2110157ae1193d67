#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "base/time.h"

namespace weir {

// What a transfer copies and how: Google Storage Transfer Service's TransferSpec with its
// ObjectConditions and TransferOptions, field by field in snake_case (docs/transfers.md), plus
// weir's own options. Built from JSON (a `transfer` task's arguments, a transfer job's form)
// by ParseTransferSpec, which applies the Transfer Service's validation rules.

// Which source objects take part (ObjectConditions). Prefixes are literal and relative to
// the source's path; the time conditions compare with the operation's start time. An object
// without a modification time passes every time condition.
struct ObjectConditions {
  std::optional<Duration> min_time_elapsed_since_last_modification;  // age >= this
  std::optional<Duration> max_time_elapsed_since_last_modification;  // age < this
  std::vector<std::string> include_prefixes;  // if any: the key starts with one of them
  std::vector<std::string> exclude_prefixes;  // the key starts with none of them
  std::optional<Time> last_modified_since;    // modified >= this
  std::optional<Time> last_modified_before;   // modified < this

  bool HasTimeConditions() const;
  // Whether the prefixes admit `key` (relative to the source's path). Used for the sink too:
  // delete_objects_unique_in_sink considers only sink objects the prefixes admit.
  bool AdmitsKey(std::string_view key) const;
  // Whether an object at `key` modified at `modified` (nullopt: unknown) takes part in an
  // operation that started at `start`.
  bool Admits(std::string_view key, std::optional<Time> modified, Time start) const;
};

// When an object already in the sink is replaced (TransferOptions.overwrite_when).
enum class OverwriteWhen {
  kDifferent,  // its ETag or checksum differs from the source's (the default)
  kNever,      // never: the source object is not transferred
  kAlways,     // always, even when they are the same
};
std::string_view OverwriteWhenName(OverwriteWhen w);  // "different", "never", "always"

// A limit on deletions (weir's): a count, or a percentage of the objects considered in the
// sink (delete_objects_unique_in_sink) or of those copied (delete_objects_from_source...).
struct MaxDeletes {
  int64_t count = -1;   // >= 0 when the limit is a count
  double percent = -1;  // 0..100 when it is a percentage
  std::string text;     // as given: "100", "10%"
};

struct TransferSpec {
  // Where from: a store URI whose path is empty or ends in '/' (file:///data/in/,
  // lake://raw/, s3://bucket/, gs://bucket/raw/, az://container/x/), or, instead, a URL
  // list (url_list: the Transfer Service's TSV, TsvHttpData-1.0) at an http(s):// URL or in
  // a local file. Where to: a store URI, with the same rule.
  std::string source;
  std::string url_list;
  std::string sink;
  // The connections of source and sink; "" means the scheme's default (aws_default,
  // google_cloud_default, wasb_default) or, for lake://, the setting lake_conn_id.
  std::string source_conn_id;
  std::string sink_conn_id;
  // A manifest (TransferManifest.location): a CSV whose first column names the objects to
  // transfer, relative to the source's path; conditions still apply. "" = the whole source.
  std::string manifest;

  ObjectConditions object_conditions;
  OverwriteWhen overwrite_when = OverwriteWhen::kDifferent;
  bool delete_objects_unique_in_sink = false;
  bool delete_objects_from_source_after_transfer = false;

  // weir's additions.
  bool dry_run = false;  // report what would be copied, skipped and deleted; change nothing
  std::optional<MaxDeletes> max_deletes;  // refuse to delete more, before deleting anything
  int parallelism = 16;                   // objects in flight at once, 1..64
  int64_t bandwidth_limit = 0;            // bytes per second over all copies; 0: none
  int64_t max_failures = 0;               // objects that may fail before the task does

  bool deletes() const {
    return delete_objects_unique_in_sink || delete_objects_from_source_after_transfer;
  }
};

// includePrefixes -> include_prefixes: the Transfer Service's JSON names are accepted too.
std::string SnakeCase(std::string_view name);

// The fields ParseTransferSpec reads, in the order docs/transfers.md lists them.
const std::vector<std::string>& TransferSpecFields();

// Reads and validates a spec from a JSON object of the fields above (the Transfer Service's
// names; `object_conditions` and `transfer_options` may also be nested objects, as in its
// TransferSpec). Durations are weir's ("1h", "30d") or Google's ("3600s"); times RFC 3339.
// Every rule the Transfer Service applies is applied here, and errors are kInvalidArgument
// naming the field, what is wrong and what to do; the first one found is returned.
Result<TransferSpec> ParseTransferSpec(const Json& fields);

// The spec as JSON, in the form ParseTransferSpec reads (for XCom, the API and the UI).
Json TransferSpecJson(const TransferSpec& spec);

// "10MB", "1.5GiB", "500k", "1048576": a byte count (decimal and binary units, with or
// without "B"; a bare number is bytes). For bandwidth_limit (per second; "/s" allowed).
Result<int64_t> ParseByteCount(std::string_view text);

}  // namespace weir
