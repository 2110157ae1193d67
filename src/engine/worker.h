#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/sealed.h"
#include "engine/remote_logs.h"
#include "exec/local_executor.h"
#include "exec/redis/broker.h"

namespace weir {

struct WorkerOptions {
  std::string redis_url;
  std::string prefix = "weir:";
  std::vector<std::string> queues = {"default"};
  int concurrency = 8;
  // A claim lasts this long without renewal; the worker renews every claim_ttl / 4. The
  // schedulers' redis executors must use the same value (weir.yaml's worker_claim_ttl).
  Duration claim_ttl = std::chrono::seconds(20);
  // After Stop() (SIGTERM): how long running attempts may go on before they are killed.
  Duration grace = std::chrono::seconds(60);
  // Put in front of every attempt's argv: the shim that ends the attempt when this process
  // dies (env/attempt_shim.h); empty: none (tests).
  std::vector<std::string> shim;
  // With remote_logs (Create's `remote_logs`): how often a running attempt's log is sent
  // there when it grew.
  std::chrono::milliseconds log_upload_every = std::chrono::seconds(5);
};

// `weir worker`: takes attempts from its queues on Redis (consumer group "workers"), claims
// each try (Redis refuses a second claim of one try, so a copy of a message never runs it
// twice), runs it with the local executor (the runner `weir scheduler` uses on one machine),
// interprets its end with its operator, and reports both start and end on the reports stream,
// acknowledging the message last. Every claim_ttl / 4 it renews its claims and describes
// itself (Broker::Beat). A claim it finds taken back (it was cut off or stopped past its
// claim's expiry) ends that attempt at once; its late report is refused by the store. When
// Redis lost its keys (a restart, a flush), it puts its claims back and sends again the ends
// it reported lately.
//
// With `remote_logs` (weir.yaml's, engine/remote_logs.h), it also sends each attempt's log
// there, every few seconds while it runs and whole once it ended, before the end is reported:
// whoever sees the try ended finds its complete log there, whether or not this machine is
// still up. The sending has a thread of its own (LogShipper): it never holds up the renewals
// of claims or the reports of other attempts. A failed send is a warning, never a failed try.
class Worker {
 public:
  // Connects to Redis; kUnavailable when it cannot be reached. `remote_logs`: where attempts'
  // logs are sent, or null (they stay in the logs folder only).
  static Result<std::unique_ptr<Worker>> Create(WorkerOptions options, SealKeyRing keys,
                                                std::unique_ptr<ObjectStore> remote_logs = nullptr);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Runs until Stop() was called and its attempts ended (or the grace ran out and they were
  // killed and reported).
  Status Run();
  // Thread-safe (a signal handler's thread): stop taking attempts, let the running ones end.
  void Stop();

  const std::string& id() const { return id_; }
  int running() const;

 private:
  struct Held {
    AttemptSpec spec;  // its argv without the shim
    std::string message_id;
    std::string queue;
    bool killed_for_claim = false;
  };
  struct Ended {
    AttemptEvent event;
    Time at;
  };

  Worker(WorkerOptions options, SealKeyRing keys, std::unique_ptr<redis::Broker> reader,
         std::unique_ptr<redis::Broker> reporter);
  // The local executor's events, on its thread: queued for the reporter (an end once its log
  // was sent to remote_logs).
  void OnEvent(AttemptEvent event);
  void Enqueue(AttemptEvent event);
  void ReportLoop();
  // Reports one event (the reporter's thread): interprets an end, releases the claim,
  // reports, acknowledges the message.
  void Report(AttemptEvent event);
  // Takes one message: opens it, claims its try, starts it.
  void Take(const redis::AttemptMessage& m);
  // Renews claims, follows kill requests, describes this worker; after Redis lost its keys,
  // puts back what it holds.
  void Beat(Time now);
  redis::WorkerInfo Describe(Time now) const;

  const WorkerOptions options_;
  const SealKeyRing keys_;
  std::string id_;
  std::string hostname_;
  Time started_at_{};

  std::unique_ptr<redis::Broker> reader_;  // the main loop's: messages, claims, beats
  std::unique_ptr<LocalExecutor> executor_;
  // Sends attempts' logs to remote_logs; null without it. Constant after Create.
  std::unique_ptr<LogShipper> log_shipper_;

  mutable std::mutex mu_;
  std::map<std::string, Held> held_;  // GUARDED_BY(mu_), by AttemptKey::ToString()
  std::deque<AttemptEvent> outbox_;   // GUARDED_BY(mu_): events for the reporter
  std::deque<Ended> ended_;           // GUARDED_BY(mu_): ends reported lately, oldest first
  std::condition_variable outbox_cv_;
  std::condition_variable slot_cv_;  // notified when an attempt leaves held_
  bool reporter_done_ = false;       // GUARDED_BY(mu_)

  std::unique_ptr<redis::Broker> reporter_;  // the reporter thread's
  std::thread reporter_thread_;

  std::atomic<bool> stopping_{false};
  std::string epoch_;
  std::string kills_seen_;
  Time last_renewed_{};  // the last beat whose renewals Redis answered
};

}  // namespace weir
