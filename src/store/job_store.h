#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "store/records.h"
#include "store/transactional_store.h"

namespace weir {

// The processes that schedule: one job row per scheduler process (its heartbeat tells others
// whether it is alive) and named leases (the scheduler's, and each `weir dags test` run's),
// taken by one holder at a time. The rules of every role are in transactional_store.h.
class JobStore : public virtual TransactionalStore {
 public:
  // Scheduler jobs. AddSchedulerJob records a started scheduler and returns its id (it also
  // deletes jobs whose last heartbeat is more than 7 days before job.started_at).
  // HeartbeatSchedulerJob sets heartbeat_at and EndSchedulerJob sets ended_at; both kNotFound
  // when missing. LatestSchedulerJob: the running job (ended_at unset) with the newest
  // heartbeat, else the ended one with the newest heartbeat; nullopt when no scheduler ever ran.
  virtual Result<int64_t> AddSchedulerJob(const SchedulerJob& job) = 0;
  virtual Status HeartbeatSchedulerJob(int64_t id, Time now) = 0;
  virtual Status EndSchedulerJob(int64_t id, Time ended_at) = 0;
  virtual Result<std::optional<SchedulerJob>> LatestSchedulerJob() = 0;
  // The running jobs (ended_at unset) whose last heartbeat is at `since` or later, newest
  // heartbeat first: the schedulers of a database several share.
  virtual Result<std::vector<SchedulerJob>> ListSchedulerJobs(Time since) = 0;

  // Scheduler leases, atomic on their own (one conditional upsert):
  // AcquireSchedulerLease stores `lease` (acquired_at = heartbeat_at = now) when no lease of
  // that name exists, when the stored one expired (expires_at <= now), when lease.holder
  // holds it already, or when its holder is `replace_holder` (a holder the caller knows is
  // dead). Returns the lease as stored afterwards: the caller holds it exactly when the
  // returned holder is lease.holder. RenewSchedulerLease moves heartbeat_at and expires_at;
  // kFailedPrecondition when `holder` no longer holds the lease. ReleaseSchedulerLease
  // deletes it when `holder` holds it (no error otherwise).
  virtual Result<SchedulerLease> AcquireSchedulerLease(const SchedulerLease& lease, Time now,
                                                       const std::string& replace_holder) = 0;
  virtual Status RenewSchedulerLease(const std::string& name, const std::string& holder, Time now,
                                     Time expires_at) = 0;
  virtual Status ReleaseSchedulerLease(const std::string& name, const std::string& holder) = 0;
  virtual Result<std::optional<SchedulerLease>> GetSchedulerLease(const std::string& name) = 0;
  // The leases whose name starts with `prefix` (case-sensitive), by name.
  virtual Result<std::vector<SchedulerLease>> ListSchedulerLeases(const std::string& prefix) = 0;
};

}  // namespace weir
