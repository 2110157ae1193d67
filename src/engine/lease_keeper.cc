#include "engine/lease_keeper.h"

#include <unistd.h>

#include <random>

#include "env/process_table.h"

namespace weir {

namespace {

std::string ThisHostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

}  // namespace

bool LeaseHolderIsGone(const SchedulerLease& lease) {
  static const std::string hostname = ThisHostname();
  if (lease.hostname != hostname) return false;
  auto p = ReadProcessEntry(static_cast<int>(lease.pid));
  return !p || p->zombie || p->start_ticks != lease.proc_start;
}

Duration LeaseTtl(Duration heartbeat_interval) {
  return std::max<Duration>(std::chrono::minutes(1), heartbeat_interval * 6);
}

LeaseKeeper::LeaseKeeper(JobStore& store, const Clock& clock, std::string home, Duration ttl,
                         std::string name)
    : store_(store), clock_(clock), ttl_(ttl) {
  std::random_device rd;
  lease_.name = std::move(name);
  lease_.hostname = ThisHostname();
  lease_.pid = getpid();
  lease_.proc_start = ReadProcessEntry(getpid()).value_or(ProcessEntry{}).start_ticks;
  lease_.home = std::move(home);
  lease_.holder = fmt::format("{}:{}:{:08x}{:08x}", lease_.hostname, lease_.pid, rd(), rd());
}

std::unique_ptr<LeaseKeeper> LeaseKeeper::Member(JobStore& store, const Clock& clock,
                                                 std::string home, Duration ttl) {
  auto keeper = std::make_unique<LeaseKeeper>(store, clock, std::move(home), ttl);
  keeper->lease_.name = "scheduler:" + keeper->lease_.holder;
  return keeper;
}

LeaseKeeper::~LeaseKeeper() { Release(); }

Status LeaseKeeper::Acquire() {
  Time now = clock_.Now();
  lease_.expires_at = now + ttl_;
  std::string replace;
  if (auto current = TRY(store_.GetSchedulerLease(lease_.name))) {
    if (LeaseHolderIsGone(*current)) replace = current->holder;
  }
  SchedulerLease stored = TRY(store_.AcquireSchedulerLease(lease_, now, replace));
  if (stored.holder != lease_.holder) {
    return Err(ErrorCode::kUnavailable,
               "another weir scheduler uses this metadata database: pid {} on {} with home {}, "
               "last heartbeat {} (its lease runs until {}); stop it first, or give this home "
               "its own `database`",
               stored.pid, stored.hostname, stored.home, FormatIso(stored.heartbeat_at),
               FormatIso(stored.expires_at));
  }
  held_ = true;
  return {};
}

Status LeaseKeeper::Renew() {
  if (!held_) return Err(ErrorCode::kFailedPrecondition, "the scheduler lease is not held");
  Time now = clock_.Now();
  Status renewed = store_.RenewSchedulerLease(lease_.name, lease_.holder, now, now + ttl_);
  if (!renewed && renewed.error().code == ErrorCode::kFailedPrecondition) held_ = false;
  return renewed;
}

void LeaseKeeper::Release() {
  if (!held_) return;
  held_ = false;
  (void)store_.ReleaseSchedulerLease(lease_.name, lease_.holder);
}

}  // namespace weir
