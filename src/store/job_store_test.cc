// The JobStore suite: scheduler jobs and leases.
#include "store/job_store.h"

#include <gtest/gtest.h>

#include "store/store_test_fixture.h"

namespace weir {
namespace {

SchedulerLease LeaseFor(const std::string& holder, Time expires_at) {
  return SchedulerLease{.holder = holder,
                        .hostname = "host-" + holder,
                        .pid = 100,
                        .proc_start = 555,
                        .home = "/home/" + holder,
                        .expires_at = expires_at};
}

SchedulerJob MakeJob(const std::string& hostname, int64_t pid, Time started, Time beat) {
  SchedulerJob job;
  job.hostname = hostname;
  job.pid = pid;
  job.started_at = started;
  job.heartbeat_at = beat;
  return job;
}

TEST_P(JobStoreTest, SchedulerJobsAreHeartbeatenEndedAndPruned) {
  EXPECT_FALSE(store().LatestSchedulerJob().value().has_value());
  SchedulerJob old =
      MakeJob("old-host", 7, Utc("2024-01-01T00:00:00Z"), Utc("2024-01-01T00:00:00Z"));
  int64_t old_id = store().AddSchedulerJob(old).value();
  ASSERT_OK(store().EndSchedulerJob(old_id, Utc("2024-01-01T01:00:00Z")));

  SchedulerJob job =
      MakeJob("host-a", 4242, Utc("2024-01-05T00:00:00Z"), Utc("2024-01-05T00:00:00Z"));
  int64_t id = store().AddSchedulerJob(job).value();
  EXPECT_NE(id, old_id);
  ASSERT_OK(store().HeartbeatSchedulerJob(id, Utc("2024-01-05T00:00:05Z")));
  auto latest = store().LatestSchedulerJob().value();
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->id, id);
  EXPECT_EQ(latest->hostname, "host-a");
  EXPECT_EQ(latest->pid, 4242);
  EXPECT_EQ(latest->started_at, Utc("2024-01-05T00:00:00Z"));
  EXPECT_EQ(latest->heartbeat_at, Utc("2024-01-05T00:00:05Z"));
  EXPECT_FALSE(latest->ended_at.has_value());

  // A running job comes before an ended one with a newer heartbeat.
  SchedulerJob ended =
      MakeJob("host-b", 9, Utc("2024-01-05T00:00:00Z"), Utc("2024-01-05T00:00:30Z"));
  int64_t ended_id = store().AddSchedulerJob(ended).value();
  ASSERT_OK(store().EndSchedulerJob(ended_id, Utc("2024-01-05T00:00:31Z")));
  EXPECT_EQ(store().LatestSchedulerJob().value()->id, id);
  // Listed: the running ones that beat since a time, newest beat first.
  SchedulerJob other = MakeJob("host-b", 9, Utc("2024-01-05"), Utc("2024-01-05T00:00:07Z"));
  int64_t other_id = store().AddSchedulerJob(other).value();
  std::vector<SchedulerJob> running = store().ListSchedulerJobs(Utc("2024-01-05")).value();
  ASSERT_EQ(running.size(), 2u);
  EXPECT_EQ(running[0].id, other_id);
  EXPECT_EQ(running[1].id, id);
  EXPECT_EQ(store().ListSchedulerJobs(Utc("2024-01-05T00:00:06Z")).value().size(), 1u);
  ASSERT_OK(store().EndSchedulerJob(other_id, Utc("2024-01-05T00:00:08Z")));
  ASSERT_OK(store().EndSchedulerJob(id, Utc("2024-01-05T00:00:10Z")));
  EXPECT_TRUE(store().ListSchedulerJobs(Utc("2024-01-01")).value().empty());
  latest = store().LatestSchedulerJob().value();
  EXPECT_EQ(latest->id, ended_id);
  EXPECT_EQ(latest->ended_at, Utc("2024-01-05T00:00:31Z"));

  EXPECT_ERROR(store().HeartbeatSchedulerJob(999, Utc("2024-01-05")), ErrorCode::kNotFound);
  EXPECT_ERROR(store().EndSchedulerJob(999, Utc("2024-01-05")), ErrorCode::kNotFound);

  // A start more than 7 days after a job's last heartbeat deletes that job.
  SchedulerJob later =
      MakeJob("host-a", 5, Utc("2024-01-09T00:00:00Z"), Utc("2024-01-09T00:00:00Z"));
  ASSERT_OK(store().AddSchedulerJob(later));
  EXPECT_ERROR(store().HeartbeatSchedulerJob(old_id, Utc("2024-01-09")), ErrorCode::kNotFound);
  EXPECT_OK(store().HeartbeatSchedulerJob(id, Utc("2024-01-09")));
}

TEST_P(JobStoreTest, ALeaseHasOneHolderUntilItExpiresOrIsReleased) {
  Time t0 = Utc("2024-01-01T00:00:00Z");
  EXPECT_FALSE(store().GetSchedulerLease("scheduler").value().has_value());

  SchedulerLease a =
      store().AcquireSchedulerLease(LeaseFor("a", t0 + std::chrono::seconds(30)), t0, "").value();
  EXPECT_EQ(a.holder, "a");
  EXPECT_EQ(a.acquired_at, t0);
  EXPECT_EQ(a.home, "/home/a");

  // b is refused while a's lease runs: it gets a's lease back, to name the holder.
  SchedulerLease seen = store()
                            .AcquireSchedulerLease(LeaseFor("b", t0 + std::chrono::seconds(40)),
                                                   t0 + std::chrono::seconds(10), "")
                            .value();
  EXPECT_EQ(seen.holder, "a");
  EXPECT_EQ(seen.hostname, "host-a");

  // a renews; b is still refused after a's first expiry.
  ASSERT_OK(store().RenewSchedulerLease("scheduler", "a", t0 + std::chrono::seconds(20),
                                        t0 + std::chrono::seconds(50)));
  EXPECT_ERROR(store().RenewSchedulerLease("scheduler", "b", t0 + std::chrono::seconds(20),
                                           t0 + std::chrono::seconds(50)),
               ErrorCode::kFailedPrecondition);
  seen = store()
             .AcquireSchedulerLease(LeaseFor("b", t0 + std::chrono::seconds(70)),
                                    t0 + std::chrono::seconds(40), "")
             .value();
  EXPECT_EQ(seen.holder, "a");
  EXPECT_EQ(seen.heartbeat_at, t0 + std::chrono::seconds(20));

  // Re-acquiring one's own lease keeps its acquired_at.
  seen = store()
             .AcquireSchedulerLease(LeaseFor("a", t0 + std::chrono::seconds(60)),
                                    t0 + std::chrono::seconds(30), "")
             .value();
  EXPECT_EQ(seen.holder, "a");
  EXPECT_EQ(seen.acquired_at, t0);

  // Once expired, b takes it, and a's renewal fails: a must stop scheduling.
  seen = store()
             .AcquireSchedulerLease(LeaseFor("b", t0 + std::chrono::seconds(90)),
                                    t0 + std::chrono::seconds(60), "")
             .value();
  EXPECT_EQ(seen.holder, "b");
  EXPECT_EQ(seen.acquired_at, t0 + std::chrono::seconds(60));
  EXPECT_ERROR(store().RenewSchedulerLease("scheduler", "a", t0 + std::chrono::seconds(61),
                                           t0 + std::chrono::seconds(91)),
               ErrorCode::kFailedPrecondition);

  // Releasing someone else's lease does nothing; releasing one's own frees it.
  ASSERT_OK(store().ReleaseSchedulerLease("scheduler", "a"));
  EXPECT_EQ(store().GetSchedulerLease("scheduler").value()->holder, "b");
  ASSERT_OK(store().ReleaseSchedulerLease("scheduler", "b"));
  EXPECT_FALSE(store().GetSchedulerLease("scheduler").value().has_value());
}

TEST_P(JobStoreTest, LeasesAreListedByPrefixExactly) {
  Time t0 = Utc("2024-01-01T00:00:00Z");
  const std::vector<std::string> all = {"dag:b", "dag:a", "DAG:c", "dag_x", "scheduler"};
  for (const auto& name : all) {
    SchedulerLease lease = LeaseFor("h", t0 + std::chrono::seconds(30));
    lease.name = name;
    ASSERT_OK(store().AcquireSchedulerLease(lease, t0, ""));
  }
  std::vector<std::string> names;
  const std::vector<SchedulerLease> dags = store().ListSchedulerLeases("dag:").value();
  for (const auto& lease : dags) {
    names.push_back(lease.name);
    EXPECT_EQ(lease.holder, "h");
  }
  EXPECT_EQ(names, (std::vector<std::string>{"dag:a", "dag:b"}));
  EXPECT_EQ(store().ListSchedulerLeases("").value().size(), 5u);
  EXPECT_TRUE(store().ListSchedulerLeases("dag:%").value().empty());
}

TEST_P(JobStoreTest, ALeaseOfADeadHolderCanBeReplacedBeforeItExpires) {
  Time t0 = Utc("2024-01-01T00:00:00Z");
  ASSERT_OK(store().AcquireSchedulerLease(LeaseFor("a", t0 + std::chrono::seconds(30)), t0, ""));
  EXPECT_EQ(store()
                .AcquireSchedulerLease(LeaseFor("b", t0 + std::chrono::seconds(40)),
                                       t0 + std::chrono::seconds(1), "other")
                .value()
                .holder,
            "a");
  EXPECT_EQ(store()
                .AcquireSchedulerLease(LeaseFor("b", t0 + std::chrono::seconds(40)),
                                       t0 + std::chrono::seconds(1), "a")
                .value()
                .holder,
            "b");
}

TEST_P(JobStoreTest, LeasesOfDifferentNamesAreIndependent) {
  Time t0 = Utc("2024-01-01T00:00:00Z");
  SchedulerLease shard = LeaseFor("b", t0 + std::chrono::seconds(30));
  shard.name = "shard-2";
  ASSERT_OK(store().AcquireSchedulerLease(LeaseFor("a", t0 + std::chrono::seconds(30)), t0, ""));
  EXPECT_EQ(store().AcquireSchedulerLease(shard, t0, "").value().holder, "b");
  EXPECT_EQ(store().GetSchedulerLease("scheduler").value()->holder, "a");
}

WEIR_STORE_SUITE(JobStoreTest);

}  // namespace
}  // namespace weir
