#include "exec/redis/broker.h"

#include <algorithm>
#include <random>

namespace weir::redis {

namespace {

constexpr char kWorkersGroup[] = "workers";
// A claim ended (or declared lost by a scheduler) is kept this long, so that a copy of its
// message, delivered again after a flush or a reclaim, never runs the try a second time.
constexpr auto kEndedClaimTtl = std::chrono::hours(24);
// The report stream keeps about this many reports: every scheduler reads it (each takes
// the reports of the attempts it waits for), so none is deleted once read; one that comes
// to a scheduler too late is read from the copy kept beside the claim (ResultOf).
constexpr int kReportsKept = 100000;
// The kill stream keeps about this many requests.
constexpr int kKillsKept = 10000;

int64_t Millis(Duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

std::string RandomHex() {
  static thread_local std::random_device rd;
  return fmt::format("{:08x}{:08x}", rd(), rd());
}

// The renewal of a claim: moves its expiry while `worker` holds it. With ARGV[3] == "1"
// (Redis lost its keys since the worker last renewed), a missing claim is put back.
constexpr char kRenewScript[] = R"lua(
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if v == false and ARGV[3] == '1' then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0)lua";

// The end of a claim: "done:<worker>", and the attempt's final report kept beside it, for a
// scheduler that missed it in the stream.
constexpr char kReleaseScript[] = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], 'done:' .. ARGV[1], 'PX', ARGV[2])
  redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[2])
  return 1
end
return 0)lua";

// A claim taken once: the try leaves the set of those waiting in a stream either way.
constexpr char kClaimScript[] = R"lua(
redis.call('SREM', KEYS[2], ARGV[3])
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0)lua";

// A message and the marks that say it waits, in one step: a scheduler killed between a
// separate SADD and XADD left a try marked "queued" with no message, which every scheduler
// would then wait for forever. The message first: if it cannot be added, nothing is marked.
constexpr char kEnqueueScript[] = R"lua(
local added = redis.pcall('XADD', KEYS[1], '*', 'm', ARGV[1])
if type(added) == 'table' and added.err then return added end
redis.call('SADD', KEYS[2], ARGV[2])
redis.call('SADD', KEYS[3], ARGV[3])
return added)lua";

// Where a try is: its claim's value, "queued" while its message waits in a stream, or "".
constexpr char kProbeScript[] = R"lua(
local c = redis.call('GET', KEYS[1])
if c then return c end
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then return 'queued' end
return '')lua";

// The entries of one stream in an XREADGROUP, XREAD or XAUTOCLAIM reply: (id, the value of
// field "m").
std::vector<std::pair<std::string, std::string>> Entries(const Reply& entries) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const Reply& e : entries.elements) {
    if (e.elements.size() < 2) continue;  // deleted since: [id, nil]
    const Reply& fields = e.elements[1];
    for (size_t i = 0; i + 1 < fields.elements.size(); i += 2) {
      if (fields.elements[i].str == "m")
        out.emplace_back(e.elements[0].str, fields.elements[i + 1].str);
    }
  }
  return out;
}

// XREADGROUP / XREAD: [[stream, entries], ...] or nil on timeout.
std::vector<std::pair<std::string, std::pair<std::string, std::string>>> StreamEntries(
    const Reply& reply) {
  std::vector<std::pair<std::string, std::pair<std::string, std::string>>> out;
  for (const Reply& stream : reply.elements) {
    if (stream.elements.size() < 2) continue;
    for (auto& entry : Entries(stream.elements[1])) out.emplace_back(stream.elements[0].str, entry);
  }
  return out;
}

bool IsNoGroup(const Error& e) { return e.message.find("NOGROUP") != std::string::npos; }

Result<AttemptMessage> MessageFromJson(const std::string& text, std::string id) {
  Json j = TRY(ParseJson(text, "a queued attempt"));
  AttemptMessage m;
  m.key = TRY(KeyFromJson(j.value("key", Json::object())));
  m.token = j.value("token", "");
  m.queue = j.value("queue", "");
  m.sealed = j.value("sealed", "");
  m.enqueued_at = FromMicros(j.value("enqueued_at", int64_t{0}));
  m.id = std::move(id);
  return m;
}

}  // namespace

Json KeyToJson(const AttemptKey& k) {
  return Json{{"dag_id", k.dag_id},
              {"run_id", k.run_id},
              {"task_id", k.task_id},
              {"try_number", k.try_number}};
}

Result<AttemptKey> KeyFromJson(const Json& j) {
  if (!j.is_object()) return Err(ErrorCode::kInvalidArgument, "an attempt key is not an object");
  AttemptKey k{j.value("dag_id", ""), j.value("run_id", ""), j.value("task_id", ""),
               j.value("try_number", 0)};
  if (k.dag_id.empty() || k.run_id.empty() || k.task_id.empty() || k.try_number < 1) {
    return Err(ErrorCode::kInvalidArgument, "an attempt key lacks its ids or try number");
  }
  return k;
}

Json EventToJson(const AttemptEvent& e) {
  Json j{{"kind", e.kind == AttemptEvent::Kind::kStarted ? "started" : "finished"},
         {"key", KeyToJson(e.key)},
         {"token", e.token},
         {"worker", e.worker},
         {"pid", e.pid},
         {"proc_start", e.proc_start},
         {"at", ToMicros(e.at)},
         {"exit_code", e.exit_code},
         {"term_signal", e.term_signal},
         {"timed_out", e.timed_out},
         {"killed", e.killed},
         {"error", e.error},
         {"last_stdout_line", e.last_stdout_line},
         {"duration_us", std::chrono::duration_cast<Micros>(e.duration).count()}};
  if (e.result) j["result"] = *e.result;
  if (e.outcome) j["outcome"] = *e.outcome;
  return j;
}

Result<AttemptEvent> EventFromJson(const Json& j) {
  if (!j.is_object()) return Err(ErrorCode::kInvalidArgument, "a report is not an object");
  AttemptEvent e;
  std::string kind = j.value("kind", "");
  if (kind != "started" && kind != "finished") {
    return Err(ErrorCode::kInvalidArgument, "a report of kind '{}'", kind);
  }
  e.kind = kind == "started" ? AttemptEvent::Kind::kStarted : AttemptEvent::Kind::kFinished;
  e.key = TRY(KeyFromJson(j.value("key", Json::object())));
  e.token = j.value("token", "");
  e.worker = j.value("worker", "");
  e.pid = j.value("pid", 0);
  e.proc_start = j.value("proc_start", int64_t{0});
  e.at = FromMicros(j.value("at", int64_t{0}));
  e.exit_code = j.value("exit_code", -1);
  e.term_signal = j.value("term_signal", 0);
  e.timed_out = j.value("timed_out", false);
  e.killed = j.value("killed", false);
  e.error = j.value("error", "");
  e.last_stdout_line = j.value("last_stdout_line", "");
  e.duration = Micros(j.value("duration_us", int64_t{0}));
  if (j.contains("result")) e.result = j["result"];
  if (j.contains("outcome")) e.outcome = j["outcome"];
  return e;
}

Json WorkerToJson(const WorkerInfo& w) {
  return Json{{"id", w.id},
              {"hostname", w.hostname},
              {"pid", w.pid},
              {"queues", w.queues},
              {"concurrency", w.concurrency},
              {"running", w.running},
              {"state", w.state},
              {"started_at", ToMicros(w.started_at)},
              {"heartbeat_at", ToMicros(w.heartbeat_at)}};
}

Json WorkerStatusJson(const WorkerInfo& w, Time now, Duration claim_ttl) {
  const bool alive = now - w.heartbeat_at <= claim_ttl;
  return Json{{"worker_id", w.id},
              {"hostname", w.hostname},
              {"pid", w.pid},
              {"queues", w.queues},
              {"concurrency", w.concurrency},
              {"running", w.running},
              {"running_count", w.running.size()},
              {"state", alive ? w.state : "gone"},
              {"alive", alive},
              {"started_at", FormatIso(w.started_at)},
              {"latest_heartbeat", FormatIso(w.heartbeat_at)},
              {"uptime_seconds",
               std::chrono::duration_cast<std::chrono::seconds>(now - w.started_at).count()}};
}

Result<WorkerInfo> WorkerFromJson(const Json& j) {
  if (!j.is_object()) return Err(ErrorCode::kInvalidArgument, "a worker is not an object");
  WorkerInfo w;
  w.id = j.value("id", "");
  w.hostname = j.value("hostname", "");
  w.pid = j.value("pid", int64_t{0});
  w.queues = j.value("queues", std::vector<std::string>{});
  w.concurrency = j.value("concurrency", 0);
  w.running = j.value("running", std::vector<std::string>{});
  w.state = j.value("state", "");
  w.started_at = FromMicros(j.value("started_at", int64_t{0}));
  w.heartbeat_at = FromMicros(j.value("heartbeat_at", int64_t{0}));
  return w;
}

Broker::Broker(std::unique_ptr<Client> client, std::string prefix)
    : client_(std::move(client)), prefix_(std::move(prefix)) {}

Result<std::unique_ptr<Broker>> Broker::Connect(const std::string& url, std::string prefix) {
  auto client = TRY(Client::Connect(url));
  return std::unique_ptr<Broker>(new Broker(std::move(client), std::move(prefix)));
}

Status Broker::EnsureGroup(const std::string& stream, const std::string& group) {
  if (std::ranges::find(grouped_, stream) != grouped_.end()) return {};
  // From the stream's start: messages added before the group (after a flush) are delivered.
  auto made = client_->Command({"XGROUP", "CREATE", stream, group, "0", "MKSTREAM"});
  if (!made && made.error().message.find("BUSYGROUP") == std::string::npos) {
    return std::unexpected(made.error());
  }
  grouped_.push_back(stream);
  return {};
}

Status Broker::Enqueue(const AttemptMessage& m) {
  const std::string stream = QueueStream(m.queue);
  TRY(EnsureGroup(stream, kWorkersGroup));
  Json j{{"key", KeyToJson(m.key)},
         {"token", m.token},
         {"queue", m.queue},
         {"sealed", m.sealed},
         {"enqueued_at", ToMicros(m.enqueued_at)}};
  TRY(client_->Command({"EVAL", kEnqueueScript, "3", stream, prefix_ + "queued", prefix_ + "queues",
                        j.dump(), m.token, m.queue}));
  return {};
}

Result<std::vector<WorkerReport>> Broker::ReadReports(std::string* last_id, int count,
                                                      Duration block) {
  const std::string stream = prefix_ + "events";
  if (last_id->empty()) {
    Reply newest = TRY(client_->Command({"XREVRANGE", stream, "+", "-", "COUNT", "1"}));
    *last_id = newest.elements.empty() ? "0-0" : newest.elements[0].elements[0].str;
    return std::vector<WorkerReport>();
  }
  Reply read = TRY(client_->Command({"XREAD", "COUNT", std::to_string(count), "BLOCK",
                                     std::to_string(Millis(block)), "STREAMS", stream, *last_id},
                                    block));
  std::vector<WorkerReport> out;
  for (auto& [s, entry] : StreamEntries(read)) {
    *last_id = entry.first;
    auto parsed = ParseJson(entry.second, "a worker's report");
    auto event = parsed ? EventFromJson(*parsed) : std::unexpected(parsed.error());
    if (!event) continue;  // unreadable: skipped by every reader
    out.push_back(WorkerReport{*std::move(event), entry.first});
  }
  return out;
}

Result<std::optional<std::string>> Broker::ClaimOf(const std::string& token) {
  Reply r = TRY(client_->Command({"GET", prefix_ + "claim:" + token}));
  if (r.nil()) return std::nullopt;
  return r.str;
}

Status Broker::Kill(const AttemptKey& key, const std::string& token, const std::string& reason) {
  Json j{{"key", KeyToJson(key)}, {"token", token}, {"reason", reason}};
  TRY(client_->Command(
      {"XADD", prefix_ + "kills", "MAXLEN", "~", std::to_string(kKillsKept), "*", "m", j.dump()}));
  return {};
}

Result<std::vector<AttemptMessage>> Broker::ReadAttempts(const std::string& consumer,
                                                         const std::vector<std::string>& queues,
                                                         int count, Duration block,
                                                         Duration reclaim_idle) {
  std::vector<AttemptMessage> out;
  auto add = [&](const std::string& queue, const std::string& id, const std::string& text) {
    auto m = MessageFromJson(text, id);
    if (!m) {
      (void)AckAttempt(queue, id);  // unreadable: never deliverable
      return;
    }
    m->queue = queue;
    out.push_back(*std::move(m));
  };
  // Messages a worker that died had read: their claims expired long ago, so each runs here
  // unless its try was declared lost (then Claim refuses it).
  for (const auto& q : queues) {
    TRY(EnsureGroup(QueueStream(q), kWorkersGroup));
    auto claimed = client_->Command({"XAUTOCLAIM", QueueStream(q), kWorkersGroup, consumer,
                                     std::to_string(Millis(reclaim_idle)), "0-0", "COUNT",
                                     std::to_string(count)});
    if (!claimed && IsNoGroup(claimed.error())) grouped_.clear();
    if (claimed && claimed->elements.size() >= 2) {
      for (auto& [id, text] : Entries(claimed->elements[1])) add(q, id, text);
    }
  }
  if (!out.empty()) return out;
  std::vector<std::string> argv = {"XREADGROUP", "GROUP", kWorkersGroup,
                                   consumer,     "COUNT", std::to_string(count)};
  if (block > Duration::zero()) {
    argv.emplace_back("BLOCK");
    argv.push_back(std::to_string(Millis(block)));
  }
  argv.emplace_back("STREAMS");
  for (const auto& q : queues) argv.push_back(QueueStream(q));
  for (size_t i = 0; i < queues.size(); ++i) argv.emplace_back(">");
  auto read = client_->Command(argv, block);
  if (!read && IsNoGroup(read.error())) {
    // Redis lost the streams (a restart, a flush): made again, then read again.
    grouped_.clear();
    for (const auto& q : queues) TRY(EnsureGroup(QueueStream(q), kWorkersGroup));
    read = client_->Command(argv, block);
  }
  if (!read) return std::unexpected(read.error());
  for (auto& [stream, entry] : StreamEntries(*read)) {
    add(stream.substr(prefix_.size() + 2), entry.first, entry.second);
  }
  return out;
}

Status Broker::AckAttempt(const std::string& queue, const std::string& id) {
  const std::string stream = QueueStream(queue);
  TRY(client_->Command({"XACK", stream, kWorkersGroup, id}));
  TRY(client_->Command({"XDEL", stream, id}));
  return {};
}

Result<bool> Broker::Claim(const std::string& token, const std::string& worker, Duration ttl) {
  Reply r = TRY(client_->Command({"EVAL", kClaimScript, "2", prefix_ + "claim:" + token,
                                  prefix_ + "queued", worker, std::to_string(Millis(ttl)), token}));
  return r.integer == 1;
}

Result<std::string> Broker::Probe(const std::string& token) {
  Reply r = TRY(client_->Command(
      {"EVAL", kProbeScript, "2", prefix_ + "claim:" + token, prefix_ + "queued", token}));
  return r.text();
}

Result<std::optional<AttemptEvent>> Broker::ResultOf(const std::string& token) {
  Reply r = TRY(client_->Command({"GET", prefix_ + "result:" + token}));
  if (r.nil()) return std::nullopt;
  Json j = TRY(ParseJson(r.str, "a kept report"));
  return TRY(EventFromJson(j));
}

Result<bool> Broker::Renew(const std::string& token, const std::string& worker, Duration ttl,
                           bool reassert) {
  Reply r = TRY(client_->Command({"EVAL", kRenewScript, "1", prefix_ + "claim:" + token, worker,
                                  std::to_string(Millis(ttl)), reassert ? "1" : "0"}));
  return r.integer == 1;
}

Result<bool> Broker::MarkLost(const std::string& token) {
  Reply r = TRY(client_->Command({"SET", prefix_ + "claim:" + token, "lost", "NX", "PX",
                                  std::to_string(Millis(kEndedClaimTtl))}));
  return !r.nil();
}

Status Broker::Release(const AttemptEvent& finished) {
  TRY(client_->Command({"EVAL", kReleaseScript, "2", prefix_ + "claim:" + finished.token,
                        prefix_ + "result:" + finished.token, finished.worker,
                        std::to_string(Millis(kEndedClaimTtl)), EventToJson(finished).dump()}));
  return {};
}

Status Broker::Report(const AttemptEvent& event) {
  TRY(client_->Command({"XADD", prefix_ + "events", "MAXLEN", "~", std::to_string(kReportsKept),
                        "*", "m", EventToJson(event).dump()}));
  return {};
}

Result<std::vector<Broker::KillRequest>> Broker::ReadKills(std::string* last_id) {
  const std::string stream = prefix_ + "kills";
  if (last_id->empty()) {
    Reply newest = TRY(client_->Command({"XREVRANGE", stream, "+", "-", "COUNT", "1"}));
    *last_id = newest.elements.empty() ? "0-0" : newest.elements[0].elements[0].str;
    return std::vector<KillRequest>();
  }
  Reply read = TRY(client_->Command({"XREAD", "COUNT", "1000", "STREAMS", stream, *last_id}));
  std::vector<KillRequest> out;
  for (auto& [s, entry] : StreamEntries(read)) {
    *last_id = entry.first;
    auto j = ParseJson(entry.second, "a kill request");
    if (!j) continue;
    auto key = KeyFromJson(j->value("key", Json::object()));
    if (!key) continue;
    out.push_back(KillRequest{*key, j->value("token", ""), j->value("reason", "")});
  }
  return out;
}

Status Broker::Beat(const WorkerInfo& info) {
  TRY(client_->Command({"HSET", prefix_ + "workers", info.id, WorkerToJson(info).dump()}));
  return {};
}

Status Broker::Forget(const std::string& worker_id) {
  TRY(client_->Command({"HDEL", prefix_ + "workers", worker_id}));
  return {};
}

Result<std::vector<WorkerInfo>> Broker::Workers() {
  Reply all = TRY(client_->Command({"HGETALL", prefix_ + "workers"}));
  std::vector<WorkerInfo> out;
  for (size_t i = 0; i + 1 < all.elements.size(); i += 2) {
    auto j = ParseJson(all.elements[i + 1].str, "a worker");
    if (!j) continue;
    auto w = WorkerFromJson(*j);
    if (w) out.push_back(*std::move(w));
  }
  std::ranges::sort(out, {}, &WorkerInfo::id);
  return out;
}

Result<std::vector<QueueDepth>> Broker::Depths() {
  Reply names = TRY(client_->Command({"SMEMBERS", prefix_ + "queues"}));
  std::vector<QueueDepth> out;
  for (const Reply& name : names.elements) {
    QueueDepth d{.queue = name.str};
    auto groups = client_->Command({"XINFO", "GROUPS", QueueStream(name.str)});
    if (groups) {
      for (const Reply& g : groups->elements) {
        bool ours = false;
        int64_t lag = 0;
        int64_t pending = 0;
        for (size_t i = 0; i + 1 < g.elements.size(); i += 2) {
          const std::string& field = g.elements[i].str;
          if (field == "name") ours = g.elements[i + 1].str == kWorkersGroup;
          if (field == "pending") pending = g.elements[i + 1].integer;
          if (field == "lag") lag = g.elements[i + 1].integer;
        }
        if (ours) {
          d.waiting = lag;
          d.pending = pending;
        }
      }
    }
    out.push_back(d);
  }
  std::ranges::sort(out, {}, &QueueDepth::queue);
  return out;
}

Result<std::string> Broker::Epoch() {
  const std::string key = prefix_ + "epoch";
  Reply r = TRY(client_->Command({"GET", key}));
  if (!r.nil()) return r.str;
  TRY(client_->Command({"SET", key, RandomHex(), "NX"}));
  Reply again = TRY(client_->Command({"GET", key}));
  return again.str;
}

}  // namespace weir::redis
