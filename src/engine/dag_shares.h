#pragma once

#include <set>
#include <string>
#include <vector>

#include "engine/lease_keeper.h"
#include "store/job_store.h"

namespace weir {

// How several schedulers on one PostgreSQL database share the work: by DAG. Each scheduler
// holds a lease of its own (LeaseKeeper::Member, renewed with its heartbeat) and owns some
// DAGs, one lease row "dag:<dag_id>" each naming it; it creates the runs of its DAGs and
// queues their tasks, and no other scheduler touches them. At every heartbeat each one
// balances: it takes the DAGs nobody owns or whose owner is dead (its lease expired, or its
// process is gone from this machine) up to a fair share, ceil(DAGs / live schedulers), and
// gives up what it holds beyond that, so a scheduler that joins gets its share and the DAGs
// of one that died are taken over. Every write transaction of a scheduler first checks its
// own lease (Fence): one that stalled past its lease (SIGSTOP, a long pause) and may have
// lost its DAGs records nothing more. The database's write lock (PostgreSQL: one advisory
// transaction lock) orders these transactions, so a takeover happens between two of them.
// Not thread-safe: the scheduler's thread.
class DagShares {
 public:
  // `member` is this scheduler's lease, acquired before the first Balance.
  DagShares(JobStore& store, LeaseKeeper& member) : store_(store), member_(member) {}

  // Inside a write transaction: kFailedPrecondition when this scheduler no longer holds its
  // lease at `now`: it must stop, since its DAGs may be another's now.
  Status Fence(Time now);

  // The DAGs a Balance took and gave up.
  struct Moves {
    std::vector<std::string> gained;
    std::vector<std::string> lost;
    bool empty() const { return gained.empty() && lost.empty(); }
  };
  // Takes and gives up DAGs among `dag_ids` (the DAGs folder's) as the class comment says,
  // in one transaction; owned() changes only once it committed. Also forgets the leases of
  // dead schedulers.
  Result<Moves> Balance(const std::vector<std::string>& dag_ids, Time now);
  // Gives up every DAG (a clean stop): the others take them at their next heartbeat.
  void ReleaseAll();

  bool Owns(const std::string& dag_id) const { return owned_.contains(dag_id); }
  const std::set<std::string>& owned() const { return owned_; }

  // The lease names.
  static std::string DagLease(const std::string& dag_id) { return "dag:" + dag_id; }
  static constexpr const char* kMemberPrefix = "scheduler:";

 private:
  JobStore& store_;
  LeaseKeeper& member_;
  std::set<std::string> owned_;
};

}  // namespace weir
