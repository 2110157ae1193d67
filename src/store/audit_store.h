#pragma once

#include <cstdint>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "store/records.h"
#include "store/transactional_store.h"

namespace weir {

// The audit log: one event per change someone asked for (who, from where, what changed).
// audit_actions.h names the actions. The rules of every role are in transactional_store.h.
class AuditStore : public virtual TransactionalStore {
 public:
  // AddAuditEvent returns the new id (when set to now when zero). Callers add an event
  // inside the Transaction() of the change it records, so both or neither are kept: the
  // change goes through another role of the same store (SameStore()).
  // ListAuditEvents: newest first (by when, then id), one page of `filter`; CountAuditEvents:
  // how many match, without limit and offset. DeleteAuditEventsBefore removes events with
  // when < before and returns how many.
  virtual Result<int64_t> AddAuditEvent(const AuditEvent& event) = 0;
  virtual Result<AuditEvent> GetAuditEvent(int64_t id) = 0;  // kNotFound when missing
  virtual Result<std::vector<AuditEvent>> ListAuditEvents(const AuditFilter& filter) = 0;
  virtual Result<int64_t> CountAuditEvents(const AuditFilter& filter) = 0;
  virtual Result<int> DeleteAuditEventsBefore(Time before) = 0;
};

}  // namespace weir
