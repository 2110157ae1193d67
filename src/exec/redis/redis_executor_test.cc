#include "exec/redis/redis_executor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "exec/redis/redis_test_util.h"

namespace weir {
namespace {

using ::testing::HasSubstr;

// The events an executor delivered, waited for from the test's thread.
class Events {
 public:
  AttemptCallback callback() {
    return [this](AttemptEvent e) {
      std::lock_guard lock(mu_);
      events_.push_back(std::move(e));
      cv_.notify_all();
    };
  }
  // The events so far once there are `n`, or once `limit` has passed.
  std::vector<AttemptEvent> Wait(size_t n, Duration limit = std::chrono::seconds(10)) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, limit, [&] { return events_.size() >= n; });
    return events_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<AttemptEvent> events_;
};

class RedisExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto url = TestRedisUrl();
    ASSERT_TRUE(url.has_value()) << url.error().message;
    options_.redis_url = *url;
    options_.prefix = FreshRedisPrefix();
    options_.parallelism = 4;
    options_.claim_ttl = std::chrono::milliseconds(400);
    options_.check_interval = std::chrono::milliseconds(50);
    keys_ = SealKeyRing::FromText({SealKeyRing::NewKeyText()}, "test").value();
    worker_ = redis::Broker::Connect(*url, options_.prefix).value();
  }

  std::unique_ptr<RedisExecutor> Start() {
    return RedisExecutor::Start(options_, keys_, events_.callback()).value();
  }

  static AttemptSpec Spec(const std::string& task, const std::string& token) {
    AttemptSpec s;
    s.key = AttemptKey{"etl", "r1", task, 1};
    s.process.argv = {"bash", "-c", "echo $PASSWORD"};
    s.process.env = {{"PASSWORD", "hunter22"}};
    s.log_path = "/logs/etl/r1/" + task + "/attempt-1.log";
    s.timeout = std::chrono::seconds(30);
    s.masker = SecretMasker({"hunter22"});
    s.try_key = token;
    s.operator_name = "bash";
    s.args = Json{{"command", "echo $PASSWORD"}};
    return s;
  }

  // What a worker reads from the queue: one message, opened.
  std::pair<redis::AttemptMessage, AttemptSpec> Take() {
    std::vector<redis::AttemptMessage> got;
    for (int i = 0; i < 50 && got.empty(); ++i) {
      got = worker_
                ->ReadAttempts("w1", {"default"}, 1, std::chrono::milliseconds(100),
                               std::chrono::hours(1))
                .value();
    }
    EXPECT_EQ(got.size(), 1u);
    if (got.empty()) return {};
    std::string text = keys_.Open(got[0].sealed, "attempt:" + got[0].token).value();
    return {got[0], AttemptSpecFromJson(ParseJson(text, "test").value()).value()};
  }

  RedisExecutorOptions options_;
  SealKeyRing keys_;
  Events events_;
  std::unique_ptr<redis::Broker> worker_;
};

TEST_F(RedisExecutorTest, AnAttemptTravelsSealedAndItsReportsComeBackWithItsToken) {
  auto executor = Start();
  ASSERT_TRUE(executor->Submit(Spec("a", "tok-a")).has_value());
  EXPECT_EQ(executor->Running(), 1);
  auto [message, spec] = Take();
  // Redis never sees the secret.
  EXPECT_THAT(message.sealed, ::testing::Not(HasSubstr("hunter22")));
  EXPECT_EQ(spec.process.argv, Spec("a", "tok-a").process.argv);
  EXPECT_EQ(spec.process.env.at("PASSWORD"), "hunter22");
  EXPECT_EQ(spec.try_key, "tok-a");
  EXPECT_EQ(spec.timeout, std::chrono::seconds(30));
  EXPECT_EQ(spec.masker.Mask("pw hunter22"), "pw ***");
  EXPECT_EQ(spec.args["command"], "echo $PASSWORD");
  // A message opened as another try's does not open.
  EXPECT_FALSE(keys_.Open(message.sealed, "attempt:tok-b").has_value());

  ASSERT_TRUE(worker_->Claim("tok-a", "w1", std::chrono::seconds(10)).value());
  AttemptEvent started;
  started.kind = AttemptEvent::Kind::kStarted;
  started.key = spec.key;
  started.token = "tok-a";
  started.worker = "w1";
  started.pid = 42;
  ASSERT_TRUE(worker_->Report(started).has_value());
  AttemptEvent finished = started;
  finished.kind = AttemptEvent::Kind::kFinished;
  finished.exit_code = 0;
  finished.outcome = Json{{"state", "success"}, {"xcom", 7}};
  ASSERT_TRUE(worker_->Release(finished).has_value());
  ASSERT_TRUE(worker_->Report(finished).has_value());

  auto events = events_.Wait(2);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, AttemptEvent::Kind::kStarted);
  EXPECT_EQ(events[0].pid, 42);
  EXPECT_EQ(events[1].kind, AttemptEvent::Kind::kFinished);
  EXPECT_EQ(events[1].token, "tok-a");
  EXPECT_EQ(events[1].outcome->at("xcom"), 7);
  EXPECT_EQ(executor->Running(), 0);
}

TEST_F(RedisExecutorTest, EachSchedulerTakesTheReportsOfItsOwnAttemptsOnly) {
  // Two schedulers on one Redis: every report reaches both readers, and each hands on only
  // those of the attempts it submitted or adopted.
  Events other_events;
  auto mine = Start();
  auto other = RedisExecutor::Start(options_, keys_, other_events.callback()).value();
  ASSERT_TRUE(mine->Submit(Spec("a", "tok-a")).has_value());
  ASSERT_TRUE(other->Submit(Spec("b", "tok-b")).has_value());
  for (const char* task : {"a", "b"}) {
    AttemptEvent finished;
    finished.kind = AttemptEvent::Kind::kFinished;
    finished.key = AttemptKey{"etl", "r1", task, 1};
    finished.token = std::string("tok-") + task;
    finished.worker = "w1";
    finished.exit_code = 0;
    ASSERT_TRUE(worker_->Report(finished).has_value());
  }
  // A stray report (a try nobody waits for, or a copy with another token) reaches no one.
  AttemptEvent stray;
  stray.kind = AttemptEvent::Kind::kFinished;
  stray.key = AttemptKey{"etl", "r1", "a", 1};
  stray.token = "tok-old";
  ASSERT_TRUE(worker_->Report(stray).has_value());
  auto got = events_.Wait(1);
  auto other_got = other_events.Wait(1);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  got = events_.Wait(1);
  other_got = other_events.Wait(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].token, "tok-a");
  ASSERT_EQ(other_got.size(), 1u);
  EXPECT_EQ(other_got[0].token, "tok-b");
  EXPECT_EQ(mine->Running(), 0);
  EXPECT_EQ(other->Running(), 0);
}

TEST_F(RedisExecutorTest, AnAttemptWhoseWorkerStopsBeatingIsReportedLostAndMarkedSo) {
  auto executor = Start();
  ASSERT_TRUE(executor->Submit(Spec("a", "tok-a")).has_value());
  auto [message, spec] = Take();
  ASSERT_TRUE(worker_->Claim("tok-a", "w1", options_.claim_ttl).value());
  AttemptEvent started;
  started.kind = AttemptEvent::Kind::kStarted;
  started.key = spec.key;
  started.token = "tok-a";
  started.worker = "w1";
  ASSERT_TRUE(worker_->Report(started).has_value());
  // The worker dies: nothing renews its claim.
  auto events = events_.Wait(2);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].kind, AttemptEvent::Kind::kFinished);
  EXPECT_EQ(events[1].token, "tok-a");
  EXPECT_THAT(events[1].error,
              HasSubstr("attempt lost: the worker running it stopped heartbeating"));
  EXPECT_EQ(events[1].outcome->at("state"), "failed");
  EXPECT_EQ(worker_->Probe("tok-a").value(), "lost");
  EXPECT_EQ(executor->Running(), 0);
  // Its late report is not delivered a second time.
  AttemptEvent late = started;
  late.kind = AttemptEvent::Kind::kFinished;
  ASSERT_TRUE(worker_->Report(late).has_value());
  EXPECT_EQ(events_.Wait(3, std::chrono::milliseconds(600)).size(), 2u);
}

TEST_F(RedisExecutorTest, AMessageRedisLostIsSentAgainWithItsToken) {
  auto executor = Start();
  ASSERT_TRUE(executor->Submit(Spec("a", "tok-a")).has_value());
  // A flush: the queue, the set of queued tokens and the epoch are gone.
  ASSERT_TRUE(worker_->client().Command({"DEL", options_.prefix + "q:default",
                                         options_.prefix + "queued", options_.prefix + "epoch"}));
  auto [message, spec] = Take();
  EXPECT_EQ(message.token, "tok-a");
  EXPECT_EQ(spec.key.task_id, "a");
  // Nothing was reported lost.
  EXPECT_TRUE(events_.Wait(1, std::chrono::milliseconds(600)).empty());
}

TEST_F(RedisExecutorTest, AnAdoptedTryIsWatchedLikeASubmittedOne) {
  auto executor = Start();
  AttemptKey key{"etl", "r1", "a", 3};
  ASSERT_TRUE(worker_->Claim("tok-old", "w9", options_.claim_ttl).value());
  executor->Adopt(key, "tok-old", /*started=*/true);
  EXPECT_EQ(executor->Running(), 1);
  auto events = events_.Wait(1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].key, key);
  EXPECT_THAT(events[0].error, HasSubstr("stopped heartbeating"));
}

TEST_F(RedisExecutorTest, AnAdoptedQueuedTryWhoseMessageWasNeverSentIsSentAndRunsOnce) {
  // The scheduler that queued it died between recording the try and sending it: Redis has
  // no trace of it. The new scheduler remade it (same try, same token) and adopts it.
  auto executor = Start();
  executor->AdoptQueued(Spec("a", "tok-a"));
  EXPECT_EQ(executor->Running(), 1);
  auto [message, spec] = Take();
  EXPECT_EQ(message.token, "tok-a");
  EXPECT_EQ(spec.process.env.at("PASSWORD"), "hunter22");
  ASSERT_TRUE(worker_->Claim("tok-a", "w1", std::chrono::seconds(10)).value());
  // Sent once: a second copy could not be claimed anyway, but none is sent while the claim
  // is held, and nothing is reported lost.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_TRUE(
      worker_
          ->ReadAttempts("w2", {"default"}, 1, std::chrono::milliseconds(50), std::chrono::hours(1))
          .value()
          .empty());
  EXPECT_FALSE(worker_->Claim("tok-a", "w2", std::chrono::seconds(10)).value());
  EXPECT_TRUE(events_.Wait(1, std::chrono::milliseconds(100)).empty());
}

TEST_F(RedisExecutorTest, SlotsAreGlobalAndAKillReachesTheWorkers) {
  auto executor = Start();
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(executor->Submit(Spec("t" + std::to_string(i), "k" + std::to_string(i))));
  }
  auto full = executor->Submit(Spec("t4", "k4"));
  ASSERT_FALSE(full.has_value());
  EXPECT_EQ(full.error().code, ErrorCode::kFailedPrecondition);
  std::string seen;
  ASSERT_TRUE(worker_->ReadKills(&seen).has_value());
  executor->Kill(AttemptKey{"etl", "r1", "t1", 1}, "cleared by ann");
  auto kills = worker_->ReadKills(&seen).value();
  ASSERT_EQ(kills.size(), 1u);
  EXPECT_EQ(kills[0].token, "k1");
  EXPECT_EQ(kills[0].reason, "cleared by ann");
}

}  // namespace
}  // namespace weir
