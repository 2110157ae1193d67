#include "exec/redis/redis_executor.h"

#include <chrono>
#include <utility>

#include "base/log.h"

namespace weir {

namespace {

// The associated data every sealed attempt is bound to: a message copied onto another try
// does not open.
std::string SealContext(const std::string& token) { return "attempt:" + token; }

Time Now() { return std::chrono::time_point_cast<Micros>(std::chrono::system_clock::now()); }

// How long a claim may say "done" without its report reaching this scheduler before the
// report kept beside the claim is read instead.
constexpr auto kReportGrace = std::chrono::seconds(5);

AttemptEvent LostEvent(const AttemptKey& key, const std::string& token, const std::string& worker,
                       const std::string& why) {
  AttemptEvent e;
  e.kind = AttemptEvent::Kind::kFinished;
  e.key = key;
  e.token = token;
  e.worker = worker;
  e.at = Now();
  e.error = why;
  e.outcome = Json{{"state", "failed"}, {"error", why}};
  return e;
}

}  // namespace

Json AttemptSpecToJson(const AttemptSpec& s) {
  Json j{{"key", redis::KeyToJson(s.key)},
         {"argv", s.process.argv},
         {"env", s.process.env},
         {"cwd", s.process.cwd},
         {"inherit_env", s.process.inherit_env},
         {"result_channel", s.result_channel},
         {"log_path", s.log_path},
         {"log_header", s.log_header},
         {"log_timestamps", s.log_timestamps},
         {"secrets", s.masker.patterns()},
         {"try_key", s.try_key},
         {"queue", s.queue},
         {"operator", s.operator_name},
         {"args", s.args}};
  if (s.timeout) j["timeout_us"] = std::chrono::duration_cast<Micros>(*s.timeout).count();
  return j;
}

Result<AttemptSpec> AttemptSpecFromJson(const Json& j) {
  if (!j.is_object()) return Err(ErrorCode::kInvalidArgument, "an attempt is not an object");
  AttemptSpec s;
  s.key = TRY(redis::KeyFromJson(j.value("key", Json::object())));
  try {
    s.process.argv = j.value("argv", std::vector<std::string>{});
    s.process.env = j.value("env", std::map<std::string, std::string>{});
    s.process.cwd = j.value("cwd", "");
    s.process.inherit_env = j.value("inherit_env", true);
    s.result_channel = j.value("result_channel", false);
    s.log_path = j.value("log_path", "");
    s.log_header = j.value("log_header", "");
    s.log_timestamps = j.value("log_timestamps", false);
    s.masker = SecretMasker::FromPatterns(j.value("secrets", std::vector<std::string>{}));
    s.try_key = j.value("try_key", "");
    s.queue = j.value("queue", "default");
    s.operator_name = j.value("operator", "");
    s.args = j.value("args", Json());
    if (j.contains("timeout_us")) s.timeout = Micros(j["timeout_us"].get<int64_t>());
  } catch (const Json::exception& e) {
    return Err(ErrorCode::kInvalidArgument, "an attempt with a field of the wrong type: {}",
               e.what());
  }
  return s;
}

RedisExecutor::RedisExecutor(RedisExecutorOptions options, SealKeyRing keys,
                             AttemptCallback callback, std::unique_ptr<redis::Broker> submitter,
                             std::unique_ptr<redis::Broker> reader)
    : options_(std::move(options)),
      keys_(std::move(keys)),
      callback_(std::move(callback)),
      submitter_(std::move(submitter)),
      reader_(std::move(reader)) {}

Result<std::unique_ptr<RedisExecutor>> RedisExecutor::Start(RedisExecutorOptions options,
                                                            SealKeyRing keys,
                                                            AttemptCallback callback) {
  auto submitter = TRY(redis::Broker::Connect(options.redis_url, options.prefix));
  auto reader = TRY(redis::Broker::Connect(options.redis_url, options.prefix));
  std::string epoch = TRY(reader->Epoch());
  // Reports are read from here on: before the first Submit, so none of its is missed.
  std::string seen;
  TRY(reader->ReadReports(&seen, 1, Duration::zero()));
  auto executor = std::unique_ptr<RedisExecutor>(
      new RedisExecutor(std::move(options), std::move(keys), std::move(callback),
                        std::move(submitter), std::move(reader)));
  executor->epoch_ = std::move(epoch);
  executor->reports_seen_ = std::move(seen);
  executor->thread_ = std::thread([e = executor.get()] { e->Loop(); });
  return executor;
}

RedisExecutor::~RedisExecutor() { Shutdown(); }

Result<std::string> RedisExecutor::Seal(const AttemptSpec& spec) const {
  return keys_.Seal(AttemptSpecToJson(spec).dump(), SealContext(spec.try_key));
}

Status RedisExecutor::Submit(AttemptSpec spec) {
  if (spec.try_key.empty()) {
    return Err(ErrorCode::kInternal, "attempt {} has no try key to fence it with",
               spec.key.ToString());
  }
  std::string sealed = TRY(Seal(spec));
  std::lock_guard lock(mu_);
  if (stopping_) return Err(ErrorCode::kFailedPrecondition, "the executor is shut down");
  if (static_cast<int>(waiting_.size()) >= options_.parallelism) {
    return Err(ErrorCode::kFailedPrecondition, "no free slot ({} attempts queued or running)",
               waiting_.size());
  }
  Waiting w;
  w.key = spec.key;
  w.token = spec.try_key;
  w.queue = spec.queue;
  w.sealed = std::move(sealed);
  redis::AttemptMessage m{w.key, w.token, w.queue, w.sealed, Now(), ""};
  // Redis out of reach: the loop sends it once Redis is back.
  if (Status sent = submitter_->Enqueue(m); sent.has_value()) {
    w.sent = true;
  } else {
    Log::Warn("attempt {} is not on queue '{}' yet, Redis is out of reach: {}", spec.key.ToString(),
              w.queue, sent.error().message);
  }
  waiting_[spec.key.ToString()] = std::move(w);
  return {};
}

void RedisExecutor::Adopt(const AttemptKey& key, const std::string& token, bool started) {
  std::lock_guard lock(mu_);
  // Adopted tries were sent by an earlier scheduler; the check finds their message gone and
  // sends it again only when it can open it: not kept here, so a lost message of an adopted
  // try fails it instead (see Check).
  Waiting w;
  w.key = key;
  w.token = token;
  w.sent = true;
  w.started = started;
  waiting_[key.ToString()] = std::move(w);
}

void RedisExecutor::AdoptQueued(const AttemptSpec& spec) {
  auto sealed = Seal(spec);
  if (!sealed) {
    Log::Warn("attempt {} cannot be sealed again: {}", spec.key.ToString(), sealed.error().message);
    Adopt(spec.key, spec.try_key, false);
    return;
  }
  std::lock_guard lock(mu_);
  // Taken as sent: the check sends it again once it finds no trace of it in Redis.
  Waiting w;
  w.key = spec.key;
  w.token = spec.try_key;
  w.queue = spec.queue;
  w.sealed = *std::move(sealed);
  w.sent = true;
  waiting_[spec.key.ToString()] = std::move(w);
}

void RedisExecutor::Kill(const AttemptKey& key, const std::string& reason) {
  std::lock_guard lock(mu_);
  std::string token;
  if (auto it = waiting_.find(key.ToString()); it != waiting_.end()) token = it->second.token;
  if (Status sent = submitter_->Kill(key, token, reason); !sent.has_value()) {
    Log::Warn("could not ask the workers to end attempt {}: {}", key.ToString(),
              sent.error().message);
  }
}

void RedisExecutor::Kill(const AttemptKey& key, const AttemptProcess& /*process*/,
                         const std::string& reason) {
  Kill(key, reason);
}

int RedisExecutor::Running() const {
  std::lock_guard lock(mu_);
  return static_cast<int>(waiting_.size());
}

void RedisExecutor::Shutdown() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void RedisExecutor::Loop() {
  auto next_check = std::chrono::steady_clock::now();
  while (!stopping_) {
    auto reports = reader_->ReadReports(&reports_seen_, 256, std::chrono::milliseconds(200));
    if (!reports) {
      Log::Warn("reading workers' reports from Redis: {}", reports.error().message);
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    } else {
      for (auto& r : *reports) Deliver(r.event);
    }
    if (std::chrono::steady_clock::now() >= next_check) {
      Check();
      next_check = std::chrono::steady_clock::now() + options_.check_interval;
    }
  }
}

void RedisExecutor::Deliver(const AttemptEvent& event) {
  const bool finished = event.kind == AttemptEvent::Kind::kFinished;
  if (ended_.contains(event.token)) return;  // its end was delivered already
  {
    std::lock_guard lock(mu_);
    auto it = waiting_.find(event.key.ToString());
    // Another scheduler's attempt (every scheduler reads every report), or one this one
    // stopped waiting for: not its to record.
    if (it == waiting_.end() || it->second.token != event.token) return;
    if (finished) {
      waiting_.erase(it);
    } else {
      it->second.started = true;
    }
  }
  if (finished) {
    constexpr size_t kRemembered = 10000;
    ended_.insert(event.token);
    ended_order_.push_back(event.token);
    if (ended_order_.size() > kRemembered) {
      ended_.erase(ended_order_.front());
      ended_order_.pop_front();
    }
  }
  callback_(event);
}

void RedisExecutor::Check() {
  auto epoch = reader_->Epoch();
  if (!epoch) return;  // Redis out of reach: nothing can be judged
  Time now = Now();
  if (*epoch != epoch_) {
    // Redis lost its keys: every claim, every queued message. Workers put their claims back
    // at their next beat; until then, no try is judged lost.
    Log::Warn(
        "Redis lost its keys (restarted or flushed): waiting {} for workers to report "
        "what they run, then sending again what was queued",
        FormatDuration(options_.claim_ttl / 2));
    epoch_ = *epoch;
    grace_until_ = now + options_.claim_ttl / 2;
  }
  if (now < grace_until_) return;
  std::vector<Waiting> snapshot;
  {
    std::lock_guard lock(mu_);
    for (auto& [k, w] : waiting_) snapshot.push_back(w);
  }
  for (Waiting& w : snapshot) {
    if (!w.sent) {
      redis::AttemptMessage m{w.key, w.token, w.queue, w.sealed, now, ""};
      if (!reader_->Enqueue(m).has_value()) return;
      std::lock_guard lock(mu_);
      if (auto it = waiting_.find(w.key.ToString()); it != waiting_.end()) it->second.sent = true;
      continue;
    }
    auto where = reader_->Probe(w.token);
    if (!where) return;
    const std::string& claim = *where;
    if (claim == "queued") continue;
    if (!claim.empty() && !claim.starts_with("done:") && claim != "lost") continue;  // running
    std::optional<AttemptEvent> lost;
    if (claim.starts_with("done:")) {
      // Ended: its report is in the stream, or was lost with it; after a grace, the copy.
      if (!w.done_seen) {
        std::lock_guard lock(mu_);
        if (auto it = waiting_.find(w.key.ToString()); it != waiting_.end()) {
          it->second.done_seen = now;
        }
        continue;
      }
      if (now - *w.done_seen < kReportGrace) continue;
      auto kept = reader_->ResultOf(w.token);
      if (!kept) return;
      std::optional<AttemptEvent> report = *std::move(kept);
      lost = report.has_value()
                 ? *std::move(report)
                 : LostEvent(w.key, w.token, claim.substr(5),
                             "the worker ended the attempt, but its report was lost");
    } else if (claim == "lost") {
      lost = LostEvent(w.key, w.token, "", "the try was declared lost by another scheduler");
    } else if (!w.started && !w.sealed.empty()) {
      // Never claimed, and its message is gone (Redis lost it): sent again, same token.
      redis::AttemptMessage m{w.key, w.token, w.queue, w.sealed, now, ""};
      if (!reader_->Enqueue(m).has_value()) return;
      Log::Info("sent attempt {} again: Redis had lost its message", w.key.ToString());
      continue;
    } else {
      auto marked = reader_->MarkLost(w.token);
      if (!marked) return;
      if (!*marked) continue;  // a worker put its claim back meanwhile
      lost = LostEvent(w.key, w.token, "",
                       w.started ? "attempt lost: the worker running it stopped heartbeating "
                                   "(its claim expired); counted as failed"
                                 : "attempt lost: its message and its claim were lost; counted "
                                   "as failed");
    }
    Deliver(*lost);
  }
}

void RedisAttemptKiller::Kill(const AttemptKey& key, const AttemptProcess& /*process*/,
                              const std::string& reason) {
  std::lock_guard lock(mu_);
  if (!broker_) {
    auto connected = redis::Broker::Connect(redis_url_, prefix_);
    if (!connected) {
      Log::Warn("could not ask the workers to end attempt {}: {}", key.ToString(),
                connected.error().message);
      return;
    }
    broker_ = *std::move(connected);
  }
  if (Status sent = broker_->Kill(key, "", reason); !sent.has_value()) {
    Log::Warn("could not ask the workers to end attempt {}: {}", key.ToString(),
              sent.error().message);
  }
}

}  // namespace weir
