#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "base/time.h"
#include "exec/executor.h"
#include "exec/redis/redis_client.h"

namespace weir::redis {

// What distributed mode keeps in Redis, and the one place that knows its keys (all under a
// prefix, "weir:" by default, so several weirs may share a server):
//
//   <p>q:<queue>        a stream per queue of attempts to run; consumer group "workers"
//   <p>events           a stream of workers' reports (started, finished), read by every
//                       scheduler (each keeps those of its attempts), about 100,000 kept
//   <p>claim:<token>    who runs the try whose key is <token>: "<worker>" while it runs (the
//                       worker renews it; it expires when the worker stops beating), then
//                       "done:<worker>" for a day, so a copy of the message never runs again
//   <p>workers          a hash: worker id -> its JSON (host, queues, running, heartbeat)
//   <p>kills            a stream of attempts to end (clear, mark, timeout from the scheduler)
//   <p>epoch            a random value; gone or changed: Redis restarted or was flushed, and
//                       schedulers and workers put back what they hold (reconcile)
//   <p>queues           a set of every queue used, for depths
//   <p>queued           a set of the tokens whose message waits in a stream (not claimed)
//   <p>result:<token>   an ended attempt's final report, kept a day beside its claim
//
// Redis is not the source of truth: the metadata database is. Every message names its try by
// its key and token (the try's try_key, recorded before the message was sent), and the
// database refuses a report whose token is not the try's or whose try has ended.

// One attempt on a queue: the try, its token, and what to run, sealed with the secret key
// (its environment and arguments may hold secrets; Redis sees none).
struct AttemptMessage {
  AttemptKey key;
  std::string token;
  std::string queue;
  std::string sealed;
  Time enqueued_at{};
  std::string id;  // the stream entry's id, when read
};

// A worker's report on an attempt.
struct WorkerReport {
  AttemptEvent event;  // kStarted or kFinished (token and worker set)
  std::string id;      // the stream entry's id, when read
};

// A worker as it describes itself with every heartbeat.
struct WorkerInfo {
  std::string id;  // "<host>:<pid>:<random>"
  std::string hostname;
  int64_t pid = 0;
  std::vector<std::string> queues;
  int concurrency = 0;
  std::vector<std::string> running;  // AttemptKey::ToString() of each attempt it runs
  std::string state;                 // "running", or "stopping" after SIGTERM
  Time started_at{};
  Time heartbeat_at{};
};

struct QueueDepth {
  std::string queue;
  int64_t waiting = 0;  // not yet read by a worker
  int64_t pending = 0;  // read and not yet acknowledged (running, or lost with a worker)
};

// The operations on those keys. Not thread-safe: one Broker per thread (each has its own
// connection). Errors: kUnavailable while Redis is out of reach.
class Broker {
 public:
  static Result<std::unique_ptr<Broker>> Connect(const std::string& url,
                                                 std::string prefix = "weir:");

  // --- schedulers ---
  // Appends `m` to its queue's stream (made with its group on first use).
  Status Enqueue(const AttemptMessage& m);
  // Reports after `*last_id`, waiting up to `block` for the first; advances it. With an empty
  // `*last_id`: sets it to the stream's newest report and returns none. Every scheduler reads every
  // report and keeps those of the attempts it waits for.
  Result<std::vector<WorkerReport>> ReadReports(std::string* last_id, int count, Duration block);
  // The holder of a try's claim: nullopt when none (never claimed, or its worker stopped
  // beating), "<worker>" while it runs, "done:<worker>" when it ended.
  Result<std::optional<std::string>> ClaimOf(const std::string& token);
  // Where a try is: "<worker>" (claimed, running), "done:<worker>", "lost", "queued" (its
  // message waits in a stream), or "" (none of those: its message or its claim is gone).
  Result<std::string> Probe(const std::string& token);
  // The final report kept with a claim that ended; nullopt when none is kept.
  Result<std::optional<AttemptEvent>> ResultOf(const std::string& token);
  // Declares a try whose claim is missing lost (its worker stopped beating): no worker may
  // claim it any more. False when a worker holds it again (it put its claim back).
  Result<bool> MarkLost(const std::string& token);
  // Asks every worker to end this attempt.
  Status Kill(const AttemptKey& key, const std::string& token, const std::string& reason);

  // --- workers ---
  // Attempts for `consumer` from `queues`: first those another worker read and left
  // unacknowledged for `reclaim_idle` (it died), then new ones, waiting up to `block`.
  Result<std::vector<AttemptMessage>> ReadAttempts(const std::string& consumer,
                                                   const std::vector<std::string>& queues,
                                                   int count, Duration block,
                                                   Duration reclaim_idle);
  // Removes a message once its attempt's end was reported (or it was skipped).
  Status AckAttempt(const std::string& queue, const std::string& id);
  // Takes the try for `worker` until `ttl` from now; false when someone holds or held it.
  Result<bool> Claim(const std::string& token, const std::string& worker, Duration ttl);
  // Moves the claim's expiry; false when `worker` no longer holds it (it expired, and the
  // try was taken back): the worker must end the attempt. With `reassert` (the epoch
  // changed: Redis lost its keys), a missing claim is put back.
  Result<bool> Renew(const std::string& token, const std::string& worker, Duration ttl,
                     bool reassert);
  // Ends the claim of `finished` (its token, its worker): "done:<worker>", with the report
  // kept beside it, both a day.
  Status Release(const AttemptEvent& finished);
  Status Report(const AttemptEvent& event);
  // Kill requests after `*last_id` (the stream's newest when empty); advances it.
  struct KillRequest {
    AttemptKey key;
    std::string token;
    std::string reason;
  };
  Result<std::vector<KillRequest>> ReadKills(std::string* last_id);
  Status Beat(const WorkerInfo& info);
  Status Forget(const std::string& worker_id);

  // --- everyone ---
  Result<std::vector<WorkerInfo>> Workers();
  Result<std::vector<QueueDepth>> Depths();
  // The epoch, made when missing (a new server, or one flushed since).
  Result<std::string> Epoch();

  Client& client() { return *client_; }
  const std::string& prefix() const { return prefix_; }

 private:
  Broker(std::unique_ptr<Client> client, std::string prefix);
  // Creates the consumer group `group` on `stream` (and the stream) unless it exists.
  Status EnsureGroup(const std::string& stream, const std::string& group);
  std::string QueueStream(const std::string& queue) const { return prefix_ + "q:" + queue; }

  std::unique_ptr<Client> client_;
  std::string prefix_;
  std::vector<std::string> grouped_;  // streams whose group this broker made or found
};

// A worker as the API and `weir workers list` show it at `now`: alive while its heartbeat
// is younger than a claim lasts (past that its tries are taken back).
Json WorkerStatusJson(const WorkerInfo& w, Time now, Duration claim_ttl);

// The JSON of events, workers and keys as the broker stores them (also for tests).
Json EventToJson(const AttemptEvent& e);
Result<AttemptEvent> EventFromJson(const Json& j);
Json WorkerToJson(const WorkerInfo& w);
Result<WorkerInfo> WorkerFromJson(const Json& j);
Json KeyToJson(const AttemptKey& k);
Result<AttemptKey> KeyFromJson(const Json& j);

}  // namespace weir::redis
