#include "exec/redis/broker.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "exec/redis/redis_test_util.h"

namespace weir::redis {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(ParseRedisUrl, ReadsHostPortPasswordAndDatabaseAndHidesThePassword) {
  auto a = ParseRedisUrl("redis://:s3cret@10.0.0.5:6380/2").value();
  EXPECT_EQ(a.host, "10.0.0.5");
  EXPECT_EQ(a.port, 6380);
  EXPECT_EQ(a.password, "s3cret");
  EXPECT_EQ(a.user, "");
  EXPECT_EQ(a.db, 2);
  EXPECT_EQ(a.name, "redis://:***@10.0.0.5:6380/2");
  auto b = ParseRedisUrl("redis://ann:p%40ss@h").value();
  EXPECT_EQ(b.user, "ann");
  EXPECT_EQ(b.password, "p@ss");
  EXPECT_EQ(b.port, 6379);
  EXPECT_EQ(ParseRedisUrl("redis://127.0.0.1").value().host, "127.0.0.1");
  EXPECT_FALSE(ParseRedisUrl("http://127.0.0.1:6379").has_value());
  EXPECT_FALSE(ParseRedisUrl("redis://h:99999").has_value());
  EXPECT_FALSE(ParseRedisUrl("redis://h:6379/x").has_value());
}

TEST(RedisClient, AServerThatIsNotThereIsUnavailable) {
  auto c = Client::Connect("redis://:pw@127.0.0.1:1", std::chrono::milliseconds(500));
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().code, ErrorCode::kUnavailable);
  EXPECT_THAT(c.error().message, HasSubstr("redis://:***@127.0.0.1:1"));
  EXPECT_THAT(c.error().message, ::testing::Not(HasSubstr("pw@")));
}

class BrokerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto url = TestRedisUrl();
    ASSERT_TRUE(url.has_value()) << url.error().message;
    url_ = *url;
    prefix_ = FreshRedisPrefix();
    broker_ = Broker::Connect(url_, prefix_).value();
  }

  AttemptMessage Message(const std::string& task, const std::string& token,
                         const std::string& queue = "default") {
    return AttemptMessage{
        AttemptKey{"etl", "r1", task, 1}, token, queue, "sealed-" + token, FromMicros(1000), ""};
  }

  std::string url_;
  std::string prefix_;
  std::unique_ptr<Broker> broker_;
};

TEST_F(BrokerTest, AMessageGoesToOneWorkerOfItsQueueAndLeavesWhenAcknowledged) {
  ASSERT_TRUE(broker_->Enqueue(Message("a", "t1")).has_value());
  ASSERT_TRUE(broker_->Enqueue(Message("b", "t2", "gpu")).has_value());
  auto other = Broker::Connect(url_, prefix_).value();
  auto got = broker_
                 ->ReadAttempts("w1", {"default"}, 10, std::chrono::milliseconds(100),
                                std::chrono::hours(1))
                 .value();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].key.task_id, "a");
  EXPECT_EQ(got[0].token, "t1");
  EXPECT_EQ(got[0].sealed, "sealed-t1");
  EXPECT_EQ(got[0].queue, "default");
  // Delivered once: a second worker of the queue does not get it.
  EXPECT_TRUE(other
                  ->ReadAttempts("w2", {"default"}, 10, std::chrono::milliseconds(50),
                                 std::chrono::hours(1))
                  .value()
                  .empty());
  auto depths = broker_->Depths().value();
  ASSERT_EQ(depths.size(), 2u);
  EXPECT_EQ(depths[0].queue, "default");
  EXPECT_EQ(depths[0].pending, 1);
  EXPECT_EQ(depths[1].queue, "gpu");
  EXPECT_EQ(depths[1].waiting, 1);
  ASSERT_TRUE(broker_->AckAttempt("default", got[0].id).has_value());
  EXPECT_EQ(broker_->Depths().value()[0].pending, 0);
}

TEST_F(BrokerTest, AMessageAWorkerLeftUnacknowledgedGoesToAnotherAfterTheIdleTime) {
  ASSERT_TRUE(broker_->Enqueue(Message("a", "t1")).has_value());
  ASSERT_EQ(broker_
                ->ReadAttempts("dead", {"default"}, 10, std::chrono::milliseconds(50),
                               std::chrono::hours(1))
                .value()
                .size(),
            1u);
  std::this_thread::sleep_for(std::chrono::milliseconds(120));
  auto again = broker_->ReadAttempts("alive", {"default"}, 10, std::chrono::milliseconds(50),
                                     std::chrono::milliseconds(100));
  ASSERT_TRUE(again.has_value()) << again.error().message;
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ((*again)[0].token, "t1");
}

TEST_F(BrokerTest, ATryIsClaimedOnceRenewedByItsHolderAndNeverClaimedAfterItEnded) {
  ASSERT_TRUE(broker_->Enqueue(Message("a", "t1")).has_value());
  EXPECT_EQ(broker_->Probe("t1").value(), "queued");
  EXPECT_TRUE(broker_->Claim("t1", "w1", std::chrono::seconds(10)).value());
  EXPECT_EQ(broker_->Probe("t1").value(), "w1");
  EXPECT_FALSE(broker_->Claim("t1", "w2", std::chrono::seconds(10)).value());
  EXPECT_TRUE(broker_->Renew("t1", "w1", std::chrono::seconds(10), false).value());
  EXPECT_FALSE(broker_->Renew("t1", "w2", std::chrono::seconds(10), true).value());
  EXPECT_FALSE(broker_->MarkLost("t1").value());  // held: not lost

  AttemptEvent end;
  end.kind = AttemptEvent::Kind::kFinished;
  end.key = AttemptKey{"etl", "r1", "a", 1};
  end.token = "t1";
  end.worker = "w1";
  end.exit_code = 0;
  end.outcome = Json{{"state", "success"}};
  ASSERT_TRUE(broker_->Release(end).has_value());
  EXPECT_EQ(broker_->Probe("t1").value(), "done:w1");
  auto kept = broker_->ResultOf("t1").value();
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(kept->outcome->at("state"), "success");
  // A copy of the message, delivered again, cannot run it a second time.
  EXPECT_FALSE(broker_->Claim("t1", "w2", std::chrono::seconds(10)).value());
}

TEST_F(BrokerTest, AnExpiredClaimIsDeclaredLostAndThenNoWorkerTakesItBack) {
  ASSERT_TRUE(broker_->Claim("t1", "w1", std::chrono::milliseconds(50)).value());
  std::this_thread::sleep_for(std::chrono::milliseconds(120));
  EXPECT_EQ(broker_->Probe("t1").value(), "");
  EXPECT_TRUE(broker_->MarkLost("t1").value());
  EXPECT_EQ(broker_->Probe("t1").value(), "lost");
  // The stopped worker, continued, finds its claim taken back, even when it puts claims back.
  EXPECT_FALSE(broker_->Renew("t1", "w1", std::chrono::seconds(10), true).value());
  EXPECT_FALSE(broker_->Claim("t1", "w2", std::chrono::seconds(10)).value());
}

TEST_F(BrokerTest, AMessageThatCannotBeAddedLeavesTheTryUnmarked) {
  ASSERT_TRUE(broker_->Enqueue(Message("a", "t1")).has_value());
  // The queue's stream replaced by a string: adding the next message fails.
  ASSERT_TRUE(broker_->client().Command({"DEL", prefix_ + "q:default"}));
  ASSERT_TRUE(broker_->client().Command({"SET", prefix_ + "q:default", "x"}));
  auto failed = broker_->Enqueue(Message("b", "t2"));
  ASSERT_FALSE(failed.has_value());
  EXPECT_THAT(failed.error().message, HasSubstr("WRONGTYPE"));
  // Not marked as waiting in a stream: a scheduler probing it finds no trace and sends it
  // again, instead of waiting for a message that is not there.
  EXPECT_EQ(broker_->Probe("t2").value(), "");
  EXPECT_EQ(broker_->Probe("t1").value(), "queued");
}

TEST_F(BrokerTest, AfterAFlushTheEpochChangesAndAWorkerPutsItsClaimBack) {
  std::string before = broker_->Epoch().value();
  EXPECT_EQ(broker_->Epoch().value(), before);
  ASSERT_TRUE(broker_->Claim("t1", "w1", std::chrono::seconds(10)).value());
  ASSERT_TRUE(broker_->client().Command({"DEL", prefix_ + "epoch", prefix_ + "claim:t1"}));
  EXPECT_NE(broker_->Epoch().value(), before);
  EXPECT_FALSE(broker_->Renew("t1", "w1", std::chrono::seconds(10), false).value());
  EXPECT_TRUE(broker_->Renew("t1", "w1", std::chrono::seconds(10), true).value());
  EXPECT_EQ(broker_->Probe("t1").value(), "w1");
}

TEST_F(BrokerTest, ReportsReachEverySchedulerAndComeBackWhole) {
  std::string s1;
  std::string s2;
  EXPECT_TRUE(broker_->ReadReports(&s1, 10, std::chrono::milliseconds(10)).value().empty());
  EXPECT_TRUE(broker_->ReadReports(&s2, 10, std::chrono::milliseconds(10)).value().empty());
  AttemptEvent e;
  e.kind = AttemptEvent::Kind::kFinished;
  e.key = AttemptKey{"etl", "r1", "a", 2};
  e.token = "t9";
  e.worker = "host:1:abc";
  e.pid = 77;
  e.exit_code = 3;
  e.error = "exited with status 3";
  e.duration = std::chrono::milliseconds(1500);
  e.at = FromMicros(123456789);
  e.outcome = Json{{"state", "failed"}, {"error", "exited with status 3"}};
  ASSERT_TRUE(broker_->Report(e).has_value());
  auto got = broker_->ReadReports(&s1, 10, std::chrono::milliseconds(100)).value();
  ASSERT_EQ(got.size(), 1u);
  const AttemptEvent& r = got[0].event;
  EXPECT_EQ(r.kind, AttemptEvent::Kind::kFinished);
  EXPECT_EQ(r.key, e.key);
  EXPECT_EQ(r.token, "t9");
  EXPECT_EQ(r.worker, "host:1:abc");
  EXPECT_EQ(r.pid, 77);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.duration, e.duration);
  EXPECT_EQ(r.at, e.at);
  EXPECT_EQ(r.outcome->at("state"), "failed");
  // The other scheduler reads it too; each reads it once.
  auto other = broker_->ReadReports(&s2, 10, std::chrono::milliseconds(100)).value();
  ASSERT_EQ(other.size(), 1u);
  EXPECT_EQ(other[0].event.token, "t9");
  EXPECT_EQ(other[0].id, got[0].id);
  EXPECT_TRUE(broker_->ReadReports(&s1, 10, std::chrono::milliseconds(10)).value().empty());
  // A reader that starts later begins after the newest report.
  std::string late;
  EXPECT_TRUE(broker_->ReadReports(&late, 10, std::chrono::milliseconds(10)).value().empty());
  EXPECT_EQ(late, got[0].id);
  EXPECT_TRUE(broker_->ReadReports(&late, 10, std::chrono::milliseconds(10)).value().empty());
}

TEST_F(BrokerTest, KillRequestsReachEveryWorkerFromWhereItStartedReading) {
  std::string seen;
  EXPECT_TRUE(broker_->ReadKills(&seen).value().empty());
  ASSERT_TRUE(broker_->Kill(AttemptKey{"etl", "r1", "a", 1}, "t1", "cleared").has_value());
  std::string other_seen = seen;
  auto kills = broker_->ReadKills(&seen).value();
  ASSERT_EQ(kills.size(), 1u);
  EXPECT_EQ(kills[0].key.task_id, "a");
  EXPECT_EQ(kills[0].reason, "cleared");
  EXPECT_TRUE(broker_->ReadKills(&seen).value().empty());
  EXPECT_EQ(broker_->ReadKills(&other_seen).value().size(), 1u);
}

TEST_F(BrokerTest, WorkersDescribeThemselves) {
  WorkerInfo w{.id = "h:1:a",
               .hostname = "h",
               .pid = 1,
               .queues = {"default", "gpu"},
               .concurrency = 8,
               .running = {"etl/r1/a#1"},
               .state = "running",
               .started_at = FromMicros(10),
               .heartbeat_at = FromMicros(20)};
  ASSERT_TRUE(broker_->Beat(w).has_value());
  auto all = broker_->Workers().value();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].id, "h:1:a");
  EXPECT_THAT(all[0].queues, ElementsAre("default", "gpu"));
  EXPECT_THAT(all[0].running, ElementsAre("etl/r1/a#1"));
  EXPECT_EQ(all[0].heartbeat_at, FromMicros(20));
  ASSERT_TRUE(broker_->Forget("h:1:a").has_value());
  EXPECT_TRUE(broker_->Workers().value().empty());
}

}  // namespace
}  // namespace weir::redis
