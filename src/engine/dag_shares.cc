#include "engine/dag_shares.h"

#include <algorithm>
#include <map>

#include "base/log.h"

namespace weir {

namespace {

// A DAG's lease never expires on its own: it passes to another scheduler only when its
// holder's member lease is dead (Balance names that holder to replace it).
constexpr auto kDagLeaseLife = std::chrono::hours(24 * 365 * 100);

}  // namespace

Status DagShares::Fence(Time now) {
  auto lease = TRY(store_.GetSchedulerLease(member_.name()));
  if (!lease || lease->holder != member_.holder() || lease->expires_at <= now) {
    return Err(ErrorCode::kFailedPrecondition,
               "this scheduler's lease ({}) expired before it could renew it (was the process "
               "stopped or starved?): other schedulers may own its DAGs now, so it stops; "
               "start it again",
               member_.name());
  }
  return {};
}

Result<DagShares::Moves> DagShares::Balance(const std::vector<std::string>& dag_ids, Time now) {
  Moves moves;
  std::set<std::string> owned;
  TRY(store_.Transaction([&]() -> Status {
    TRY(Fence(now));
    moves = {};
    // The live schedulers, this one included, and the dead ones to forget.
    std::set<std::string> live;
    for (const auto& lease : TRY(store_.ListSchedulerLeases(kMemberPrefix))) {
      if (lease.expires_at > now && !LeaseHolderIsGone(lease)) {
        live.insert(lease.holder);
      } else {
        TRY(store_.ReleaseSchedulerLease(lease.name, lease.holder));
      }
    }
    live.insert(member_.holder());
    std::map<std::string, std::string> holder_of;  // DAG id -> holder
    for (const auto& lease : TRY(store_.ListSchedulerLeases("dag:"))) {
      holder_of[lease.name.substr(4)] = lease.holder;
    }
    const size_t fair = (dag_ids.size() + live.size() - 1) / live.size();
    std::vector<std::string> mine;
    std::vector<std::pair<std::string, std::string>> free;  // (DAG, dead holder or "")
    for (const auto& dag_id : dag_ids) {
      auto it = holder_of.find(dag_id);
      if (it == holder_of.end()) {
        free.emplace_back(dag_id, "");
      } else if (it->second == member_.holder()) {
        mine.push_back(dag_id);
      } else if (!live.contains(it->second)) {
        free.emplace_back(dag_id, it->second);
      }
    }
    while (mine.size() > fair) {
      TRY(store_.ReleaseSchedulerLease(DagLease(mine.back()), member_.holder()));
      moves.lost.push_back(mine.back());
      mine.pop_back();
    }
    for (const auto& [dag_id, dead] : free) {
      if (mine.size() >= fair) break;
      SchedulerLease lease = member_.lease();
      lease.name = DagLease(dag_id);
      lease.expires_at = now + kDagLeaseLife;
      SchedulerLease stored = TRY(store_.AcquireSchedulerLease(lease, now, dead));
      if (stored.holder != member_.holder()) continue;
      mine.push_back(dag_id);
      moves.gained.push_back(dag_id);
    }
    owned = std::set<std::string>(mine.begin(), mine.end());
    return {};
  }));
  owned_ = std::move(owned);
  return moves;
}

void DagShares::ReleaseAll() {
  Status released = store_.Transaction([&]() -> Status {
    for (const auto& dag_id : owned_) {
      TRY(store_.ReleaseSchedulerLease(DagLease(dag_id), member_.holder()));
    }
    return {};
  });
  if (!released) Log::Warn("could not give up this scheduler's DAGs: {}", released.error().message);
  owned_.clear();
}

}  // namespace weir
