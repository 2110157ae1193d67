#pragma once

#include <memory>
#include <string>

#include "env/clock.h"
#include "store/job_store.h"

namespace weir {

// Holds this process's scheduler lease on the metadata database (store/records.h
// SchedulerLease): the database, not a file in a home, is what keeps a second scheduler
// off it, whichever home, user or machine that scheduler runs from. The lease expires
// `ttl` after its last renewal; a holder on this machine whose process is gone is replaced
// at once (a restart after kill -9 need not wait). Not thread-safe: the scheduler's thread.
class LeaseKeeper {
 public:
  LeaseKeeper(JobStore& store, const Clock& clock, std::string home, Duration ttl,
              std::string name = "scheduler");
  // A lease of its own for one of several schedulers sharing a database (dag_shares.h):
  // named "scheduler:<holder>", so acquiring it never waits for anyone.
  static std::unique_ptr<LeaseKeeper> Member(JobStore& store, const Clock& clock, std::string home,
                                             Duration ttl);
  ~LeaseKeeper();  // Release()

  LeaseKeeper(const LeaseKeeper&) = delete;
  LeaseKeeper& operator=(const LeaseKeeper&) = delete;

  // Takes the lease. kUnavailable naming the holder (machine, pid, home, last
  // heartbeat) when another live scheduler holds it; store errors as they come.
  Status Acquire();
  // Moves the expiry to now + ttl. kFailedPrecondition when the lease was lost (it expired
  // and another scheduler took it): the caller must stop scheduling at once.
  Status Renew();
  // Gives the lease up (no error when it was not held); others may take it at once.
  void Release();

  bool held() const { return held_; }
  const std::string& holder() const { return lease_.holder; }
  const std::string& name() const { return lease_.name; }
  // The lease as this process stores it (who, where, since when).
  const SchedulerLease& lease() const { return lease_; }

 private:
  JobStore& store_;
  const Clock& clock_;
  const Duration ttl_;
  SchedulerLease lease_;  // what this process stores when it takes the lease
  bool held_ = false;
};

// The lease's time to live for a scheduler that heartbeats every `heartbeat_interval`: six
// missed heartbeats, and never less than a minute, so a busy loop or a slow disk does not
// lose it.
Duration LeaseTtl(Duration heartbeat_interval);

// Whether the holder of `lease` is a process of this machine that no longer runs (then its
// lease may be taken before it expires).
bool LeaseHolderIsGone(const SchedulerLease& lease);

}  // namespace weir
