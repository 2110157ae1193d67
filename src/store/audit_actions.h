#pragma once

#include <algorithm>
#include <array>
#include <string>
#include <string_view>

#include "store/records.h"

// The actions the audit log records (AuditEvent::action), one name per kind of change.
namespace weir::audit {

// DAGs and runs.
inline constexpr std::string_view kTrigger = "trigger";       // a manual run
inline constexpr std::string_view kBackfill = "backfill";     // runs for a date range
inline constexpr std::string_view kClear = "clear";           // task instances to run again
inline constexpr std::string_view kMarkTask = "mark_task";    // task instances set to a state
inline constexpr std::string_view kMarkRun = "mark_run";      // a run set to a state
inline constexpr std::string_view kPause = "pause";           // a DAG paused
inline constexpr std::string_view kUnpause = "unpause";       // a DAG unpaused
inline constexpr std::string_view kDagTest = "dag_test";      // `weir dags test` made a run
inline constexpr std::string_view kDagDelete = "dag_delete";  // a DAG and its runs deleted
inline constexpr std::string_view kNoteSet = "note_set";      // a note on a run or task instance
// Settings.
inline constexpr std::string_view kVariableSet = "variable_set";
inline constexpr std::string_view kVariableDelete = "variable_delete";
inline constexpr std::string_view kConnectionSet = "connection_set";
inline constexpr std::string_view kConnectionDelete = "connection_delete";
inline constexpr std::string_view kConnectionKeyRotate = "connection_key_rotate";
inline constexpr std::string_view kPoolSet = "pool_set";
inline constexpr std::string_view kPoolDelete = "pool_delete";
inline constexpr std::string_view kDbClean = "db_clean";  // old runs and audit events removed
// Transfer jobs (their record and generated DAG; dag_id is the job's name).
inline constexpr std::string_view kTransferJobCreate = "transfer_job_create";
inline constexpr std::string_view kTransferJobUpdate = "transfer_job_update";
inline constexpr std::string_view kTransferJobDelete = "transfer_job_delete";
// Accounts.
inline constexpr std::string_view kUserCreate = "user_create";
inline constexpr std::string_view kUserDelete = "user_delete";
inline constexpr std::string_view kUserRole = "user_role";          // a role changed
inline constexpr std::string_view kUserPassword = "user_password";  // a password reset
inline constexpr std::string_view kTokenCreate = "token_create";
inline constexpr std::string_view kTokenRevoke = "token_revoke";

// Events about accounts (users and API tokens) are for admins only; everyone who may read
// (viewers and ops) sees the others.
inline constexpr std::array<std::string_view, 6> kAccountActions = {
    kUserCreate, kUserDelete, kUserRole, kUserPassword, kTokenCreate, kTokenRevoke};

inline bool IsAccountAction(std::string_view action) {
  return std::find(kAccountActions.begin(), kAccountActions.end(), action) != kAccountActions.end();
}

// An event of `action` by `who`; the caller adds the target and the details.
inline AuditEvent EventBy(const Actor& who, std::string_view action) {
  AuditEvent e;
  e.username = who.username;
  e.source = who.source;
  e.origin = who.origin;
  e.action = std::string(action);
  return e;
}

}  // namespace weir::audit
