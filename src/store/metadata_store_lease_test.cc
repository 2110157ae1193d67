// The MetadataStore suite, part 5: the scheduler lease.
#include <gtest/gtest.h>

#include "store/metadata_store.h"
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

TEST_P(MetadataStoreTest, ALeaseHasOneHolderUntilItExpiresOrIsReleased) {
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

TEST_P(MetadataStoreTest, ALeaseOfADeadHolderCanBeReplacedBeforeItExpires) {
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

TEST_P(MetadataStoreTest, LeasesOfDifferentNamesAreIndependent) {
  Time t0 = Utc("2024-01-01T00:00:00Z");
  SchedulerLease shard = LeaseFor("b", t0 + std::chrono::seconds(30));
  shard.name = "shard-2";
  ASSERT_OK(store().AcquireSchedulerLease(LeaseFor("a", t0 + std::chrono::seconds(30)), t0, ""));
  EXPECT_EQ(store().AcquireSchedulerLease(shard, t0, "").value().holder, "b");
  EXPECT_EQ(store().GetSchedulerLease("scheduler").value()->holder, "a");
}

}  // namespace
}  // namespace weir
