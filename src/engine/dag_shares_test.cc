// How several schedulers share the DAGs of one database: fair shares, takeover of a dead
// scheduler's DAGs, and the fence that stops one whose lease ran out.
#include "engine/dag_shares.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "env/clock.h"
#include "store/sqlite/sqlite_store.h"

namespace weir {
namespace {

using std::chrono::seconds;

class DagSharesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = SqliteStore::Open(":memory:").value();
    ASSERT_TRUE(store_->Migrate().has_value());
  }

  struct Member {
    std::unique_ptr<LeaseKeeper> lease;
    std::unique_ptr<DagShares> shares;
  };
  Member Join(const std::string& home) {
    Member m;
    m.lease = LeaseKeeper::Member(*store_, clock_, home, kTtl);
    EXPECT_TRUE(m.lease->Acquire().has_value());
    m.shares = std::make_unique<DagShares>(*store_, *m.lease);
    return m;
  }
  DagShares::Moves Balance(Member& m) {
    auto moves = m.shares->Balance(dags_, clock_.Now());
    EXPECT_TRUE(moves.has_value()) << moves.error().message;
    return moves.value_or(DagShares::Moves{});
  }

  static constexpr Duration kTtl = seconds(60);
  FakeClock clock_{ParseDateTime("2024-01-01T00:00:00Z").value()};
  std::unique_ptr<SqliteStore> store_;
  std::vector<std::string> dags_ = {"a", "b", "c", "d", "e"};
};

std::set<std::string> Union(const std::set<std::string>& x, const std::set<std::string>& y) {
  std::set<std::string> out = x;
  out.insert(y.begin(), y.end());
  return out;
}

TEST_F(DagSharesTest, ASecondSchedulerGetsItsShareAndNoDagHasTwoOwners) {
  Member one = Join("/home/one");
  EXPECT_EQ(Balance(one).gained.size(), 5u);
  EXPECT_EQ(one.shares->owned().size(), 5u);

  Member two = Join("/home/two");
  // Every DAG is held by a live scheduler: nothing to take yet.
  EXPECT_TRUE(Balance(two).empty());
  EXPECT_TRUE(two.shares->owned().empty());
  // The first gives up what exceeds its fair share (ceil(5 / 2) = 3) ...
  auto given = Balance(one);
  EXPECT_EQ(given.lost.size(), 2u);
  EXPECT_EQ(one.shares->owned().size(), 3u);
  // ... and the second takes it.
  auto taken = Balance(two);
  EXPECT_EQ(std::set<std::string>(taken.gained.begin(), taken.gained.end()),
            std::set<std::string>(given.lost.begin(), given.lost.end()));
  EXPECT_EQ(two.shares->owned().size(), 2u);
  for (const auto& dag : two.shares->owned()) EXPECT_FALSE(one.shares->Owns(dag)) << dag;
  EXPECT_EQ(Union(one.shares->owned(), two.shares->owned()).size(), 5u);
  // Balanced: further rounds move nothing.
  EXPECT_TRUE(Balance(one).empty());
  EXPECT_TRUE(Balance(two).empty());
}

TEST_F(DagSharesTest, ADeadSchedulersDagsAreTakenOverAndItsFenceStopsIt) {
  Member one = Join("/home/one");
  Member two = Join("/home/two");
  Balance(one);
  Balance(two);
  Balance(one);
  Balance(two);
  ASSERT_EQ(two.shares->owned().size(), 2u);
  EXPECT_TRUE(two.shares->Fence(clock_.Now()).has_value());

  // The second stops renewing (stopped, cut off); the first renews and, once the second's
  // lease ran out, takes its DAGs.
  clock_.Advance(seconds(40));
  ASSERT_TRUE(one.lease->Renew().has_value());
  EXPECT_TRUE(Balance(one).empty());  // not yet: its lease still runs
  clock_.Advance(seconds(30));
  ASSERT_TRUE(one.lease->Renew().has_value());
  auto moves = Balance(one);
  EXPECT_EQ(moves.gained.size(), 2u);
  EXPECT_EQ(one.shares->owned().size(), 5u);
  // Its lease is forgotten; the stalled scheduler, back, records nothing.
  EXPECT_FALSE(store_->GetSchedulerLease(two.lease->name()).value().has_value());
  auto fenced = two.shares->Fence(clock_.Now());
  ASSERT_FALSE(fenced.has_value());
  EXPECT_EQ(fenced.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(fenced.error().message.find("expired"), std::string::npos);
  EXPECT_FALSE(two.shares->Balance(dags_, clock_.Now()).has_value());
}

TEST_F(DagSharesTest, AStoppedSchedulersDagsGoToTheOthersAtOnce) {
  Member one = Join("/home/one");
  Balance(one);
  Member two = Join("/home/two");
  EXPECT_TRUE(Balance(two).empty());
  one.shares->ReleaseAll();
  one.lease->Release();
  EXPECT_TRUE(one.shares->owned().empty());
  EXPECT_EQ(Balance(two).gained.size(), 5u);
}

TEST_F(DagSharesTest, ANewDagGoesToTheSchedulerBelowItsShare) {
  Member one = Join("/home/one");
  Member two = Join("/home/two");
  dags_ = {"a", "b"};
  Balance(one);
  Balance(one);
  Balance(two);
  dags_ = {"a", "b", "c", "d"};
  Balance(one);  // fair share 2: it has 1 (gave one up) or 2; never more
  Balance(two);
  Balance(one);
  EXPECT_EQ(one.shares->owned().size(), 2u);
  EXPECT_EQ(two.shares->owned().size(), 2u);
  EXPECT_EQ(Union(one.shares->owned(), two.shares->owned()).size(), 4u);
}

}  // namespace
}  // namespace weir
