#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "base/time.h"
#include "lake/object_store.h"
#include "transfer/plan.h"
#include "transfer/spec.h"

namespace weir {

// What a transfer needs from where it runs (a `transfer` task, a transfer job).
struct TransferEnv {
  std::string lake_uri;      // the default lake, for lake:// sources and sinks
  std::string lake_conn_id;  // its connection ("" = the scheme's default)
  ConnectionFinder find_connection;
  std::string work_dir;     // where streamed copies keep their file while in flight
  std::string report_path;  // the per-object report, JSON lines; "" = none
  Time start{};             // the operation's start: the time conditions' reference
  // Called for each object written to the sink (for the lake catalog's lineage); an error
  // counts the object as failed.
  std::function<Status(const TransferItem& item, const ObjectInfo& written,
                       const std::string& sink_store_uri)>
      on_written;
};

struct TransferOutcome {
  TransferCounters counters;
  int64_t failures = 0;             // objects that failed (copy, check, delete, missing)
  int64_t server_side = 0;          // of the objects copied, those copied inside the service
  std::vector<std::string> failed;  // the first few, "key: error"
  std::string deletes_held;         // why sink deletions did not run, when they did not
  Json Summary(const TransferSpec& spec) const;  // the XCom: counters, failures, dry_run
};

// Runs `spec`: lists source and sink, plans (PlanTransfer), then, unless dry_run, copies
// `parallelism` objects at a time through the sink's atomic put with the source's checksum
// checked end to end, deletes from the source after each verified copy (a move; an object
// changed meanwhile is kept), and deletes from the sink what only it has (a mirror) once every
// copy succeeded. One object failing does not stop the others. Every decision and result is a
// line of the report. Errors are what stops the whole transfer: a store that cannot be opened
// or listed, max_deletes exceeded.
Result<TransferOutcome> RunTransfer(const TransferSpec& spec, const TransferEnv& env);

}  // namespace weir
