#pragma once

#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/sealed.h"
#include "exec/executor.h"
#include "exec/redis/broker.h"

namespace weir {

struct RedisExecutorOptions {
  std::string redis_url;
  std::string prefix = "weir:";
  int parallelism = 32;  // attempts queued or running at once, over every worker
  // How long a worker's claim on a try lasts without a heartbeat: a try whose claim is gone
  // this long after its worker's last beat is lost (the worker died, stopped or was cut off)
  // and fails, to be retried per its task's policy. Workers renew every ttl / 4.
  Duration claim_ttl = std::chrono::seconds(20);
  // How often the executor looks at the claims of the attempts it waits for.
  Duration check_interval = std::chrono::seconds(1);
};

// The scheduler's side of distributed mode (the CeleryExecutor's role): Submit puts each
// attempt on its queue's Redis stream, sealed with the secret key; workers (`weir worker`,
// engine/worker.h) run it and report; a thread here reads the reports and hands them to the
// scheduler as AttemptEvents (with the try's token, which the store checks before it records
// anything). It also watches the claims of the attempts it waits for: an attempt whose worker
// stopped beating is reported finished as lost, so the scheduler fails and retries the try,
// and the claim is marked lost, so no worker runs that try again.
//
// Redis is not the source of truth. An attempt Submit could not send (Redis down) is sent
// when Redis is back; an attempt whose message Redis lost (a restart, a flush) is sent again
// once workers had the time to put their claims back; a try the database says is queued or
// running is adopted after a scheduler restart (Adopt).
class RedisExecutor final : public Executor {
 public:
  // Connects to Redis (kUnavailable when it cannot be reached) and starts the reader.
  static Result<std::unique_ptr<RedisExecutor>> Start(RedisExecutorOptions options,
                                                      SealKeyRing keys, AttemptCallback callback);
  ~RedisExecutor() override;  // Shutdown()

  RedisExecutor(const RedisExecutor&) = delete;
  RedisExecutor& operator=(const RedisExecutor&) = delete;

  Status Submit(AttemptSpec spec) override;
  void Kill(const AttemptKey& key, const std::string& reason) override;
  void Kill(const AttemptKey& key, const AttemptProcess& process,
            const std::string& reason) override;
  int Running() const override;
  int Capacity() const override { return options_.parallelism; }
  // Stops reading reports. Attempts go on running on their workers: a scheduler started
  // later adopts them.
  void Shutdown() override;
  bool remote() const override { return true; }
  void Adopt(const AttemptKey& key, const std::string& token, bool started) override;
  void AdoptQueued(const AttemptSpec& spec) override;

 private:
  struct Waiting {
    AttemptKey key;
    std::string token;
    std::string queue;
    std::string sealed;  // kept to send again if Redis loses it
    bool sent = false;
    bool started = false;
    std::optional<Time> done_seen;  // when its claim was first seen ended
  };

  RedisExecutor(RedisExecutorOptions options, SealKeyRing keys, AttemptCallback callback,
                std::unique_ptr<redis::Broker> submitter, std::unique_ptr<redis::Broker> reader);
  void Loop();
  // Sends what Submit could not; looks at the claims of what is waiting (reader_ thread).
  void Check();
  // Hands a report to the scheduler, once per try's end (the loop's thread).
  void Deliver(const AttemptEvent& event);
  Result<std::string> Seal(const AttemptSpec& spec) const;

  const RedisExecutorOptions options_;
  const SealKeyRing keys_;
  const AttemptCallback callback_;

  mutable std::mutex mu_;
  std::unique_ptr<redis::Broker> submitter_;  // GUARDED_BY(mu_)
  std::map<std::string, Waiting> waiting_;    // GUARDED_BY(mu_), by AttemptKey::ToString()

  std::unique_ptr<redis::Broker> reader_;  // the loop's own
  std::string reports_seen_;               // the last report the loop read (its stream id)
  std::string epoch_;                      // as the loop last saw it
  Time grace_until_{};                     // no try is judged before (Redis lost its keys)
  // The tokens whose end was delivered lately, oldest first: a second copy of an end (from
  // the stream after the kept report was read) is not delivered again.
  std::deque<std::string> ended_order_;
  std::set<std::string> ended_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

// Ends attempts of the Redis executor from a process that runs none (`weir webserver`, the
// CLI's clears and marks): asks every worker to end the attempt (Broker::Kill). Connects on
// first use; thread-safe.
class RedisAttemptKiller final : public AttemptKiller {
 public:
  explicit RedisAttemptKiller(std::string redis_url, std::string prefix = "weir:")
      : redis_url_(std::move(redis_url)), prefix_(std::move(prefix)) {}
  void Kill(const AttemptKey& key, const AttemptProcess& process,
            const std::string& reason) override;

 private:
  const std::string redis_url_;
  const std::string prefix_;
  std::mutex mu_;
  std::unique_ptr<redis::Broker> broker_;  // GUARDED_BY(mu_)
};

// The JSON of what a worker needs to run an attempt (every AttemptSpec field), sealed into
// AttemptMessage::sealed.
Json AttemptSpecToJson(const AttemptSpec& spec);
Result<AttemptSpec> AttemptSpecFromJson(const Json& j);

}  // namespace weir
