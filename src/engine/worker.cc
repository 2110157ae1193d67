#include "engine/worker.h"

#include <unistd.h>

#include <chrono>
#include <random>
#include <utility>

#include "base/log.h"
#include "exec/redis/redis_executor.h"
#include "model/state.h"
#include "ops/registry.h"

namespace weir {

namespace {

Time Now() { return std::chrono::time_point_cast<Micros>(std::chrono::system_clock::now()); }

std::string Hostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

std::string SealContext(const std::string& token) { return "attempt:" + token; }

// How long the main loop waits in Redis for a message; also how soon it notices Stop().
constexpr auto kReadBlock = std::chrono::milliseconds(200);

}  // namespace

Worker::Worker(WorkerOptions options, SealKeyRing keys, std::unique_ptr<redis::Broker> reader,
               std::unique_ptr<redis::Broker> reporter)
    : options_(std::move(options)),
      keys_(std::move(keys)),
      reader_(std::move(reader)),
      reporter_(std::move(reporter)) {
  hostname_ = Hostname();
  std::random_device rd;
  id_ = fmt::format("{}:{}:{:06x}", hostname_, getpid(), rd() & 0xffffffU);
  started_at_ = Now();
}

Result<std::unique_ptr<Worker>> Worker::Create(WorkerOptions options, SealKeyRing keys,
                                               std::unique_ptr<ObjectStore> remote_logs) {
  auto reader = TRY(redis::Broker::Connect(options.redis_url, options.prefix));
  auto reporter = TRY(redis::Broker::Connect(options.redis_url, options.prefix));
  const auto upload_every = options.log_upload_every;
  auto worker = std::unique_ptr<Worker>(
      new Worker(std::move(options), std::move(keys), std::move(reader), std::move(reporter)));
  worker->epoch_ = TRY(worker->reader_->Epoch());
  if (remote_logs) {
    worker->log_shipper_ = std::make_unique<LogShipper>(std::move(remote_logs), upload_every);
  }
  return worker;
}

Worker::~Worker() {
  if (executor_) executor_->Shutdown();
  // The ends whose logs are still being sent join the outbox before the reporter stops.
  if (log_shipper_) log_shipper_->Stop();
  {
    std::lock_guard lock(mu_);
    reporter_done_ = true;
  }
  outbox_cv_.notify_all();
  if (reporter_thread_.joinable()) reporter_thread_.join();
}

int Worker::running() const {
  std::lock_guard lock(mu_);
  return static_cast<int>(held_.size());
}

void Worker::Stop() { stopping_ = true; }

void Worker::OnEvent(AttemptEvent event) {
  if (log_shipper_) {
    std::string log_path;
    {
      std::lock_guard lock(mu_);
      if (auto it = held_.find(event.key.ToString()); it != held_.end()) {
        log_path = it->second.spec.log_path;
      }
    }
    if (event.kind == AttemptEvent::Kind::kStarted) {
      log_shipper_->Follow(event.key, log_path);
    } else {
      // Reported once its complete log is in remote_logs (or its send failed).
      AttemptKey key = event.key;
      log_shipper_->Finish(key, log_path, [this, ended = std::move(event)] { Enqueue(ended); });
      return;
    }
  }
  Enqueue(std::move(event));
}

void Worker::Enqueue(AttemptEvent event) {
  {
    std::lock_guard lock(mu_);
    outbox_.push_back(std::move(event));
  }
  outbox_cv_.notify_one();
}

void Worker::ReportLoop() {
  for (;;) {
    AttemptEvent event;
    {
      std::unique_lock lock(mu_);
      outbox_cv_.wait(lock, [&] { return reporter_done_ || !outbox_.empty(); });
      if (outbox_.empty()) return;
      event = std::move(outbox_.front());
      outbox_.pop_front();
    }
    Report(std::move(event));
  }
}

void Worker::Report(AttemptEvent event) {
  const std::string name = event.key.ToString();
  Held held;
  {
    std::lock_guard lock(mu_);
    auto it = held_.find(name);
    if (it == held_.end()) return;
    held = it->second;
  }
  event.token = held.spec.try_key;
  event.worker = id_;
  const bool finished = event.kind == AttemptEvent::Kind::kFinished;
  if (finished) {
    const Operator* op = FindOperator(held.spec.operator_name);
    TaskOutcome outcome{TaskState::kFailed, Json(), event.error};
    if (op != nullptr) {
      outcome = op->Interpret(held.spec.args, event);
    } else if (!held.spec.operator_name.empty()) {
      outcome.error = "this worker has no operator '" + held.spec.operator_name +
                      "' (is it an older weir than the scheduler?)";
    }
    if (event.killed && outcome.state != TaskState::kFailed) {
      outcome = TaskOutcome{TaskState::kFailed, Json(), event.error};
    }
    if (event.timed_out && outcome.error.empty()) outcome.error = event.error;
    event.outcome = Json{{"state", TaskStateName(outcome.state)},
                         {"xcom", outcome.xcom},
                         {"error", held.spec.masker.Mask(outcome.error)}};
  }
  // Redis out of reach: the report waits and is tried again; the claim expires meanwhile
  // only if Redis stays away past it, and then the scheduler has taken the try back.
  for (;;) {
    Status sent = finished ? reporter_->Release(event) : Status();
    if (sent.has_value()) sent = reporter_->Report(event);
    if (sent.has_value() && finished) sent = reporter_->AckAttempt(held.queue, held.message_id);
    if (sent.has_value()) break;
    Log::Warn("worker {}: reporting attempt {}: {}", id_, name, sent.error().message);
    if (Now() - event.at > options_.claim_ttl * 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  if (!finished) return;
  {
    std::lock_guard lock(mu_);
    held_.erase(name);
    ended_.push_back(Ended{event, Now()});
    while (!ended_.empty() && Now() - ended_.front().at > options_.claim_ttl * 2) {
      ended_.pop_front();
    }
  }
  slot_cv_.notify_all();  // a slot is free: the loop reads the next attempt at once
}

void Worker::Take(const redis::AttemptMessage& m) {
  auto open = [&]() -> Result<AttemptSpec> {
    std::string text = TRY(keys_.Open(m.sealed, SealContext(m.token)));
    return AttemptSpecFromJson(TRY(ParseJson(text, "a sealed attempt")));
  };
  Result<AttemptSpec> spec = open();
  auto claimed = reader_->Claim(m.token, id_, options_.claim_ttl);
  if (!claimed) {
    Log::Warn("worker {}: claiming attempt {}: {}", id_, m.key.ToString(), claimed.error().message);
    return;  // left unacknowledged: taken again once this worker's claim would have expired
  }
  if (!*claimed) {
    // Another worker runs it, or it ran, or it was declared lost: this copy is spent.
    (void)reader_->AckAttempt(m.queue, m.id);
    return;
  }
  if (!spec || spec->key != m.key || spec->try_key != m.token) {
    std::string why = spec ? "the message does not match its try"
                           : "cannot open the attempt: " + spec.error().message +
                                 " (every scheduler and worker needs the same secret key)";
    Log::Warn("worker {}: attempt {}: {}", id_, m.key.ToString(), why);
    AttemptSpec failed;
    failed.key = m.key;
    failed.try_key = m.token;
    {
      std::lock_guard lock(mu_);
      held_[m.key.ToString()] = Held{failed, m.id, m.queue};
    }
    AttemptEvent e;
    e.kind = AttemptEvent::Kind::kFinished;
    e.key = m.key;
    e.at = Now();
    e.error = why;
    OnEvent(std::move(e));
    return;
  }
  AttemptSpec run = *spec;
  if (!options_.shim.empty()) {
    std::vector<std::string> argv = options_.shim;
    argv.insert(argv.end(), run.process.argv.begin(), run.process.argv.end());
    if (!run.process.argv.empty()) run.process.argv = std::move(argv);
  }
  {
    std::lock_guard lock(mu_);
    held_[m.key.ToString()] = Held{*std::move(spec), m.id, m.queue};
  }
  if (Status submitted = executor_->Submit(std::move(run)); !submitted.has_value()) {
    AttemptEvent e;
    e.kind = AttemptEvent::Kind::kFinished;
    e.key = m.key;
    e.at = Now();
    e.error = "the worker could not start it: " + submitted.error().message;
    OnEvent(std::move(e));
  }
}

redis::WorkerInfo Worker::Describe(Time now) const {
  redis::WorkerInfo info{.id = id_,
                         .hostname = hostname_,
                         .pid = getpid(),
                         .queues = options_.queues,
                         .concurrency = options_.concurrency,
                         .running = {},
                         .state = stopping_ ? "stopping" : "running",
                         .started_at = started_at_,
                         .heartbeat_at = now};
  std::lock_guard lock(mu_);
  for (const auto& [name, held] : held_) info.running.push_back(name);
  return info;
}

void Worker::Beat(Time now) {
  auto epoch = reader_->Epoch();
  if (!epoch) {
    // Cut off from Redis: past the claims' expiry the schedulers took the tries back, so
    // these attempts must not go on beside their retries.
    if (now - last_renewed_ > options_.claim_ttl) {
      std::lock_guard lock(mu_);
      for (auto& [name, held] : held_) {
        if (held.killed_for_claim) continue;
        held.killed_for_claim = true;
        executor_->Kill(held.spec.key, "this worker lost Redis for longer than its claims last");
      }
    }
    return;
  }
  const bool lost_keys = *epoch != epoch_;
  epoch_ = *epoch;
  std::vector<std::pair<AttemptKey, std::string>> claims;
  std::vector<AttemptEvent> resend;
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, held] : held_) claims.emplace_back(held.spec.key, held.spec.try_key);
    if (lost_keys) {
      for (const auto& e : ended_) resend.push_back(e.event);
    }
  }
  if (lost_keys) {
    Log::Warn("worker {}: Redis lost its keys; putting back {} claims and {} recent reports", id_,
              claims.size(), resend.size());
  }
  bool answered = true;
  for (const auto& [key, token] : claims) {
    auto kept = reader_->Renew(token, id_, options_.claim_ttl, lost_keys);
    if (!kept) {
      answered = false;
      continue;
    }
    if (*kept) continue;
    std::lock_guard lock(mu_);
    auto it = held_.find(key.ToString());
    if (it == held_.end() || it->second.killed_for_claim) continue;
    it->second.killed_for_claim = true;
    executor_->Kill(key,
                    "its claim was taken back (this worker stopped beating for too long); the "
                    "scheduler retries the try elsewhere");
  }
  for (const auto& e : resend) {
    (void)reader_->Release(e);
    (void)reader_->Report(e);
  }
  if (answered) last_renewed_ = now;
  auto kills = reader_->ReadKills(&kills_seen_);
  if (kills) {
    for (const auto& k : *kills) {
      std::lock_guard lock(mu_);
      auto it = held_.find(k.key.ToString());
      if (it == held_.end()) continue;
      if (!k.token.empty() && k.token != it->second.spec.try_key) continue;
      executor_->Kill(k.key, k.reason);
    }
  }
  if (Status beat = reader_->Beat(Describe(now)); !beat.has_value()) {
    Log::Warn("worker {}: heartbeat: {}", id_, beat.error().message);
  }
}

Status Worker::Run() {
  executor_ = std::make_unique<LocalExecutor>(options_.concurrency,
                                              [this](AttemptEvent e) { OnEvent(std::move(e)); });
  reporter_thread_ = std::thread([this] { ReportLoop(); });
  last_renewed_ = Now();
  TRY(reader_->Beat(Describe(Now())));
  (void)reader_->ReadKills(&kills_seen_);
  const Duration beat_every = options_.claim_ttl / 4;
  Time next_beat = Now();
  std::optional<Time> stop_deadline;
  for (;;) {
    Time now = Now();
    if (now >= next_beat) {
      Beat(now);
      next_beat = now + beat_every;
    }
    if (stopping_ && !stop_deadline) {
      stop_deadline = now + options_.grace;
      Log::Info("worker {}: stopping: no new attempts; waiting up to {} for {} running", id_,
                FormatDuration(options_.grace), running());
    }
    if (stop_deadline) {
      if (running() == 0) break;
      if (now >= *stop_deadline) {
        Log::Warn("worker {}: the grace ran out; ending {} attempts", id_, running());
        break;
      }
      std::this_thread::sleep_for(kReadBlock);
      continue;
    }
    int free = options_.concurrency - running();
    if (free <= 0) {
      // Woken as soon as an attempt's end is reported (its slot freed), else at the next
      // beat's time.
      std::unique_lock lock(mu_);
      slot_cv_.wait_for(lock, kReadBlock, [&] {
        return stopping_ || static_cast<int>(held_.size()) < options_.concurrency;
      });
      continue;
    }
    auto messages =
        reader_->ReadAttempts(id_, options_.queues, free, kReadBlock, options_.claim_ttl * 2);
    if (!messages) {
      Log::Warn("worker {}: reading its queues: {}", id_, messages.error().message);
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      continue;
    }
    for (const auto& m : *messages) Take(m);
  }
  // Ends what still runs; their ends (killed) are reported before the reporter stops, once
  // their logs were sent.
  executor_->Shutdown();
  if (log_shipper_) log_shipper_->Stop();
  {
    std::lock_guard lock(mu_);
    reporter_done_ = true;
  }
  outbox_cv_.notify_all();
  reporter_thread_.join();
  (void)reader_->Forget(id_);
  return {};
}

}  // namespace weir
