#pragma once

#include <string>
#include <vector>

#include "engine/actions.h"
#include "engine/connections.h"
#include "store/audit_actions.h"
#include "store/metadata_store.h"

namespace weir {

// What people ask for from the CLI and the API (actions.h, pausing, variables, connections,
// pools), each
// recorded in the audit log (audit_actions.h) in the same transaction as the change: the
// change and its record are kept together or not at all. The record says who (`actor`), when
// (the clock), the DAG, run and task it is about, and what changed: the arguments and the
// affected ids with their previous states, never a variable's value.
//
// Errors are those of the action; nothing is recorded for an action that fails. Clears and
// marks end running attempts through `killer` (actions.h).
class AuditedActions {
 public:
  AuditedActions(MetadataStore& store, const Clock& clock, AttemptKiller& killer, Actor actor);

  Result<DagRun> Trigger(const LoadedDag& dag, const TriggerRequest& request);
  Result<BackfillResult> Backfill(const LoadedDag& dag, Time from, Time to, const Json& conf,
                                  bool rerun_failed);
  Result<std::vector<TaskInstance>> Clear(const DagSpec& spec, ClearRequest request);
  Result<std::vector<TaskInstance>> Mark(const DagSpec& spec, ClearRequest request,
                                         TaskState state);
  Result<DagRun> MarkRun(const std::string& dag_id, const std::string& run_id, RunState state);
  Status SetPaused(const std::string& dag_id, bool paused);
  // Deletes the DAG's record and its runs (DagStore::DeleteDag); refused (kFailedPrecondition)
  // while a run is queued or running, whose tasks would be cut off without an end. The
  // number of runs deleted.
  Result<int64_t> DeleteDag(const std::string& dag_id);
  // Records the note's new text and the one it replaced.
  Status SetNote(const Note& note);
  // Records whether the value changed, never the value.
  Status SetVariable(const Variable& v);
  Status DeleteVariable(const std::string& key);
  // Seals and stores a connection (the keys of `key_file`, made on first use: env/seal_keys.h).
  // Records which fields changed, never a secret's value.
  Status SetConnection(const Connection& c, const std::string& key_file);
  Status DeleteConnection(const std::string& conn_id);
  // RotateConnectionKey (engine/connections.h), recorded with the key ids and the count.
  Result<KeyRotation> RotateConnectionKey(const std::string& key_file);
  Status SetPool(const Pool& p);
  Status DeletePool(const std::string& name);

  // Runs `change` and records `event` (its who and when filled in) in one transaction: for
  // the changes made elsewhere (users and API tokens in auth/, `db clean`).
  Status Record(AuditEvent event, const std::function<Status()>& change = {});

  // An event of `action` by the actor, now, about the DAG, run and task given; the caller
  // adds details (for the auth/ functions that record an event in their own transaction).
  AuditEvent Event(std::string_view action, const std::string& dag_id = "",
                   const std::string& run_id = "", const std::string& task_id = "") const;

  const Actor& actor() const { return actor_; }

 private:
  MetadataStore& store_;
  const Clock& clock_;
  AttemptKiller& killer_;
  Actor actor_;
};

}  // namespace weir
