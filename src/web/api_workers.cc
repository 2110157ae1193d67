// The cluster as the Workers page and `weir workers list` show it (Flower's role): each
// worker's host, queues, concurrency, running attempts, heartbeat and uptime; queue depths;
// the schedulers' heartbeats.
#include "engine/scheduler.h"
#include "exec/redis/broker.h"
#include "web/api_internal.h"

namespace weir {

Result<Json> ClusterJson(ApiCtx& c) {
  Json out{{"executor", c.config.executor}, {"workers", Json::array()}, {"queues", Json::array()}};
  Json schedulers = Json::array();
  // Never fails: a database that cannot answer shows no scheduler.
  auto jobs = RecentSchedulerJobs(c.store, c.clock.Now());
  for (const SchedulerJob& job : jobs.value_or(std::vector<SchedulerJob>{})) {
    schedulers.push_back(Json{{"hostname", job.hostname},
                              {"pid", job.pid},
                              {"started_at", FormatIso(job.started_at)},
                              {"latest_heartbeat", FormatIso(job.heartbeat_at)},
                              {"alive", SchedulerIsAlive(job, c.clock.Now())}});
  }
  out["schedulers"] = std::move(schedulers);
  if (c.config.executor != "redis") return out;
  auto broker = redis::Broker::Connect(c.config.redis_url);
  if (!broker) {
    out["error"] = broker.error().message;
    return out;
  }
  Time now = c.clock.Now();
  auto workers = (*broker)->Workers();
  auto depths = (*broker)->Depths();
  if (!workers || !depths) {
    out["error"] = (!workers ? workers.error() : depths.error()).message;
    return out;
  }
  for (const auto& w : *workers)
    out["workers"].push_back(redis::WorkerStatusJson(w, now, c.config.claim_ttl));
  for (const auto& d : *depths) {
    out["queues"].push_back(
        Json{{"queue", d.queue}, {"waiting", d.waiting}, {"running", d.pending}});
  }
  return out;
}

std::optional<Result<Json>> RouteWorkers(ApiCtx& c, const std::vector<std::string>& s) {
  if (c.req.method != "GET" || s.size() != 1 || s[0] != "workers") return std::nullopt;
  return ClusterJson(c);
}

}  // namespace weir
