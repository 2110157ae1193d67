#include "engine/plan_state.h"

#include <algorithm>
#include <functional>

#include "engine/planner.h"

namespace weir {

namespace {

void Bucket(UpstreamCounts& c, TaskState s, int sign) {
  switch (s) {
    case TaskState::kSuccess:
      c.success += sign;
      break;
    case TaskState::kSkipped:
      c.skipped += sign;
      break;
    case TaskState::kFailed:
      c.failed += sign;
      break;
    case TaskState::kUpstreamFailed:
      c.upstream_failed += sign;
      break;
    case TaskState::kRemoved:
      c.removed += sign;
      break;
    default:
      break;
  }
}

bool IsActiveRun(RunState s) { return s == RunState::kQueued || s == RunState::kRunning; }

}  // namespace

int ActiveRun::Unfinished() const {
  int n = 0;
  for (int s = 0; s < kTaskStateCount; ++s) {
    if (!IsFinished(static_cast<TaskState>(s))) n += count[s];
  }
  return n;
}

int ActiveRun::InFlight() const { return Unfinished() - count[static_cast<int>(TaskState::kNone)]; }

const PlanDag* PlanState::FindDag(const std::string& dag_id) const {
  auto it = dags_.find(dag_id);
  return it == dags_.end() ? nullptr : &it->second;
}

void PlanState::SetDag(const std::string& dag_id, PlanDag dag) {
  auto it = dags_.find(dag_id);
  bool relayout = it == dags_.end() || it->second.graph != dag.graph;
  bool changed = relayout || it->second.spec != dag.spec || it->second.paused != dag.paused ||
                 it->second.version_id != dag.version_id;
  dags_[dag_id] = std::move(dag);
  if (!changed) return;
  due_dags_.insert(dag_id);
  start_dags_.insert(dag_id);
  for (const RunKey& key : runs_of_dag_[dag_id]) {
    ActiveRun& r = runs_.at(key);
    if (relayout) {
      Detach(r);
      Attach(r);
    }
    r.all_dirty = true;
    dirty_runs_.insert(key);
  }
}

void PlanState::RemoveDag(const std::string& dag_id) {
  if (dags_.erase(dag_id) == 0) return;
  start_dags_.insert(dag_id);
  for (const RunKey& key : runs_of_dag_[dag_id]) {
    ActiveRun& r = runs_.at(key);
    Detach(r);
    Attach(r);
    dirty_runs_.insert(key);
  }
}

void PlanState::SetLastScheduled(const std::string& dag_id, std::optional<DataInterval> interval) {
  auto it = dags_.find(dag_id);
  if (it == dags_.end() || it->second.last_scheduled == interval) return;
  it->second.last_scheduled = interval;
  due_dags_.insert(dag_id);
}

const TaskInstance* PlanState::FindTask(const TaskKey& key) {
  ActiveRun* r = FindRun(key.run());
  if (r == nullptr) return nullptr;
  int t = r->graph ? r->graph->Find(key.task_id) : -1;
  if (t >= 0) return &r->tis[r->slot[t]];
  for (const auto& ti : r->tis) {
    if (ti.task_id == key.task_id) return &ti;
  }
  return nullptr;
}

ActiveRun* PlanState::FindRun(const RunKey& key) {
  auto it = runs_.find(key);
  return it == runs_.end() ? nullptr : &it->second;
}

void PlanState::PutRun(DagRun run, std::vector<TaskInstance> tis,
                       const std::map<std::string, PreviousTask>& previous) {
  RunKey key = KeyOf(run);
  RemoveRun(key);
  if (!IsActiveRun(run.state)) return;
  ActiveRun& r = runs_[key];
  r.run = std::move(run);
  r.tis = std::move(tis);
  r.ordinal = next_ordinal_++;
  runs_of_dag_[key.dag_id].insert(key);
  Track(r, 1);
  Attach(r);
  // `previous` is by task id; Attach laid the run out, so task numbers are known.
  if (r.graph) {
    for (const auto& [task_id, prev] : previous) {
      if (r.graph->Find(task_id) >= 0) r.previous[task_id] = prev;
    }
    // A run that comes back (cleared) is the run before of later ones: they see it as it is.
    for (int t = 0; t < r.graph->size(); ++t) {
      if (r.graph->depends_on_past[t]) PreviousChanged(r, t);
    }
  }
  dirty_runs_.insert(key);
}

void PlanState::SetRun(const DagRun& run) {
  RunKey key = KeyOf(run);
  ActiveRun* r = FindRun(key);
  if (r == nullptr) return;
  if (!IsActiveRun(run.state)) {
    RemoveRun(key);
    return;
  }
  bool started = r->run.state != RunState::kRunning && run.state == RunState::kRunning;
  Track(*r, -1);
  r->run = run;
  Track(*r, 1);
  if (started) AddTimeoutTimer(*r);
  start_dags_.insert(key.dag_id);
  dirty_runs_.insert(key);
}

void PlanState::RemoveRun(const RunKey& key) {
  auto it = runs_.find(key);
  if (it == runs_.end()) return;
  Detach(it->second);
  Track(it->second, -1);
  runs_of_dag_[key.dag_id].erase(key);
  runs_.erase(it);
  dirty_runs_.erase(key);
  // A run fewer may let the DAG create or start another.
  due_dags_.insert(key.dag_id);
  start_dags_.insert(key.dag_id);
}

void PlanState::PutTask(const TaskInstance& ti) {
  ActiveRun* r = FindRun(RunKey{ti.dag_id, ti.run_id});
  if (r == nullptr) return;
  int t = r->graph ? r->graph->Find(ti.task_id) : -1;
  if (t >= 0) {
    SetTask(*r, r->slot[t], ti);
    return;
  }
  for (size_t s = 0; s < r->tis.size(); ++s) {
    if (r->tis[s].task_id == ti.task_id) {
      SetTask(*r, static_cast<int>(s), ti);
      return;
    }
  }
  // A task instance of a task the DAG does not have (yet): the next plan reconciles it.
  r->tis.push_back(ti);
  r->task.push_back(-1);
  Count(*r, static_cast<int>(r->tis.size()) - 1, 1);
  r->reconcile = true;
  dirty_runs_.insert(r->key());
}

void PlanState::SetTask(ActiveRun& r, int s, const TaskInstance& next) {
  TaskState before = r.tis[s].state;
  Count(r, s, -1);
  r.tis[s] = next;
  Count(r, s, 1);
  dirty_runs_.insert(r.key());
  if (before == next.state) return;
  int t = r.task[s];
  if (t < 0) {
    r.reconcile = r.reconcile || (!IsFinished(next.state) && !IsActive(next.state));
    return;
  }
  // Trigger rules read only finished states.
  if (IsFinished(before) || IsFinished(next.state)) {
    for (int d : r.graph->downstream[t]) MarkDirty(r, d);
  }
  if (next.state == TaskState::kNone || next.state == TaskState::kUpForRetry) MarkDirty(r, t);
  TimersOf(r, s);
  if (r.graph->depends_on_past[t]) PreviousChanged(r, t);
}

void PlanState::MarkAllDirty() {
  for (const auto& [dag_id, dag] : dags_) {
    due_dags_.insert(dag_id);
    start_dags_.insert(dag_id);
  }
  for (auto& [key, r] : runs_) {
    r.all_dirty = true;
    dirty_runs_.insert(key);
    start_dags_.insert(key.dag_id);
  }
}

void PlanState::MarkDirty(ActiveRun& r, int task) {
  dirty_runs_.insert(r.key());
  if (r.all_dirty || r.is_dirty[task]) return;
  r.is_dirty[task] = 1;
  r.dirty.push_back(r.graph->rank[task]);
  std::push_heap(r.dirty.begin(), r.dirty.end(), std::greater<>());
}

void PlanState::MarkRunDirty(const ActiveRun& r) { dirty_runs_.insert(r.key()); }

void PlanState::MarkDue(const std::string& dag_id) { due_dags_.insert(dag_id); }

int PlanState::ActiveRunsOf(const std::string& dag_id) const {
  auto it = active_runs_.find(dag_id);
  return it == active_runs_.end() ? 0 : it->second;
}

int PlanState::RunningRunsOf(const std::string& dag_id) const {
  auto it = running_runs_.find(dag_id);
  return it == running_runs_.end() ? 0 : it->second;
}

int PlanState::ActiveTasksOf(const std::string& dag_id) const {
  auto it = dag_active_tasks_.find(dag_id);
  return it == dag_active_tasks_.end() ? 0 : it->second;
}

int PlanState::PoolUsed(const std::string& pool) const {
  auto it = pool_used_.find(pool);
  int used = it == pool_used_.end() ? 0 : it->second;
  if (auto other = pool_used_elsewhere.find(pool); other != pool_used_elsewhere.end()) {
    used += other->second;
  }
  return used;
}

std::set<std::string> PlanState::TakeDueDags() { return std::exchange(due_dags_, {}); }

std::set<std::string> PlanState::TakeStartDags() { return std::exchange(start_dags_, {}); }

std::vector<ActiveRun*> PlanState::TakeDirtyRuns() {
  std::vector<ActiveRun*> out;
  out.reserve(dirty_runs_.size());
  for (const RunKey& key : dirty_runs_) {
    if (ActiveRun* r = FindRun(key)) out.push_back(r);
  }
  dirty_runs_.clear();
  std::sort(out.begin(), out.end(), [](const ActiveRun* a, const ActiveRun* b) {
    if (a->run.logical_date != b->run.logical_date) {
      return a->run.logical_date < b->run.logical_date;
    }
    return a->ordinal < b->ordinal;
  });
  return out;
}

std::vector<RunKey> PlanState::QueuedRuns(const std::string& dag_id) const {
  std::vector<RunKey> out;
  auto it = queued_.find(dag_id);
  if (it == queued_.end()) return out;
  for (const auto& [date, ordinal] : it->second) out.push_back(queued_keys_.at({dag_id, ordinal}));
  return out;
}

void PlanState::AddDagTimer(Time at, const std::string& dag_id) {
  auto [it, added] = dag_timer_.try_emplace(dag_id, at);
  if (!added) {
    if (it->second == at) return;
    it->second = at;
  }
  timers_.emplace(at, Timer{dag_id, "", ""});
}

void PlanState::AddRunTimer(Time at, const RunKey& run, const std::string& task_id) {
  timers_.emplace(at, Timer{run.dag_id, run.run_id, task_id});
}

std::optional<Time> PlanState::FireTimers() {
  while (!timers_.empty() && timers_.begin()->first <= now) {
    Timer timer = std::move(timers_.begin()->second);
    timers_.erase(timers_.begin());
    if (timer.run_id.empty()) {
      dag_timer_.erase(timer.dag_id);
      due_dags_.insert(timer.dag_id);
      continue;
    }
    ActiveRun* r = FindRun(RunKey{timer.dag_id, timer.run_id});
    if (r == nullptr) continue;
    dirty_runs_.insert(r->key());
    int t = r->graph && !timer.task_id.empty() ? r->graph->Find(timer.task_id) : -1;
    if (t >= 0) MarkDirty(*r, t);
  }
  return NextTimer();
}

std::optional<Time> PlanState::NextTimer() const {
  if (timers_.empty()) return std::nullopt;
  return timers_.begin()->first;
}

void PlanState::Count(ActiveRun& r, int s, int sign) {
  const TaskInstance& ti = r.tis[s];
  r.count[static_cast<int>(ti.state)] += sign;
  if (IsActive(ti.state)) {
    r.active += sign;
    dag_active_tasks_[ti.dag_id] += sign;
    pool_used_[ti.pool] += sign * ti.pool_slots;
  }
  if (ti.state == TaskState::kScheduled) {
    ReadyGroup group{r.key(), ti.pool, ti.pool_slots};
    Ready entry{-PriorityOf(r, s), r.run.logical_date, r.ordinal, s};
    if (sign > 0) {
      ready_[group].insert(entry);
    } else if (auto it = ready_.find(group); it != ready_.end()) {
      it->second.erase(entry);
      if (it->second.empty()) ready_.erase(it);
    }
  }
  int t = s < static_cast<int>(r.task.size()) ? r.task[s] : -1;
  if (t >= 0) {
    for (int d : r.graph->downstream[t]) Bucket(r.upstream[d], ti.state, sign);
  }
}

void PlanState::Layout(ActiveRun& r) {
  const PlanDag* dag = FindDag(r.run.dag_id);
  r.graph = dag != nullptr ? dag->graph : nullptr;
  const int n = r.graph ? r.graph->size() : 0;
  r.slot.assign(n, -1);
  r.task.assign(r.tis.size(), -1);
  r.unsaved.clear();
  r.reconcile = false;
  for (size_t s = 0; s < r.tis.size(); ++s) {
    int t = r.graph ? r.graph->Find(r.tis[s].task_id) : -1;
    if (t >= 0 && r.slot[t] < 0) {
      r.slot[t] = static_cast<int>(s);
      r.task[s] = t;
    } else if (!IsFinished(r.tis[s].state) && !IsActive(r.tis[s].state)) {
      r.reconcile = r.graph != nullptr;
    }
  }
  // Tasks added to the DAG since the run began get a task instance, as Airflow does.
  for (int t = 0; t < n; ++t) {
    if (r.slot[t] >= 0) continue;
    r.slot[t] = static_cast<int>(r.tis.size());
    r.tis.push_back(MakeTaskInstance(*dag->spec, dag->spec->tasks[t], r.run.run_id));
    r.task.push_back(t);
    r.unsaved.push_back(r.slot[t]);
  }
  r.upstream.assign(n, UpstreamCounts{});
  for (int t = 0; t < n; ++t) {
    r.upstream[t].total = static_cast<int>(r.graph->upstream[t].size());
  }
  r.is_dirty.assign(n, 0);
  r.dirty.clear();
  r.all_dirty = true;
}

void PlanState::Attach(ActiveRun& r) {
  Layout(r);
  for (size_t s = 0; s < r.tis.size(); ++s) {
    Count(r, static_cast<int>(s), 1);
    TimersOf(r, static_cast<int>(s));
  }
  AddTimeoutTimer(r);
}

void PlanState::AddTimeoutTimer(const ActiveRun& r) {
  const PlanDag* dag = FindDag(r.run.dag_id);
  if (dag == nullptr || r.run.state != RunState::kRunning) return;
  const auto& timeout = dag->spec->dagrun_timeout;
  const auto& start = r.run.start_date;
  if (timeout && start) AddRunTimer(*start + *timeout, r.key());
}

void PlanState::Detach(ActiveRun& r) {
  for (size_t s = 0; s < r.tis.size(); ++s) Count(r, static_cast<int>(s), -1);
}

void PlanState::Track(const ActiveRun& r, int sign) {
  const std::string& dag_id = r.run.dag_id;
  active_runs_[dag_id] += sign;
  if (r.run.state == RunState::kRunning) running_runs_[dag_id] += sign;
  if (r.run.state != RunState::kQueued) return;
  auto& queued = queued_[dag_id];
  if (sign > 0) {
    queued.emplace(r.run.logical_date, r.ordinal);
    queued_keys_[{dag_id, r.ordinal}] = r.key();
    start_dags_.insert(dag_id);
  } else {
    queued.erase({r.run.logical_date, r.ordinal});
    queued_keys_.erase({dag_id, r.ordinal});
  }
}

void PlanState::TimersOf(ActiveRun& r, int s) {
  const TaskInstance& ti = r.tis[s];
  if (ti.state == TaskState::kUpForRetry && ti.next_retry_at && *ti.next_retry_at > now) {
    AddRunTimer(*ti.next_retry_at, r.key(), ti.task_id);
  }
}

void PlanState::PreviousChanged(const ActiveRun& r, int task) {
  const std::string& task_id = r.graph->ids[task];
  const TaskInstance& ti = r.tis[r.slot[task]];
  for (const RunKey& key : runs_of_dag_[r.run.dag_id]) {
    if (key.run_id == r.run.run_id) continue;
    ActiveRun& other = runs_.at(key);
    auto p = other.previous.find(task_id);
    if (p == other.previous.end() || p->second.run_id != r.run.run_id) continue;
    p->second.state = ti.state;
    int t = other.graph ? other.graph->Find(task_id) : -1;
    if (t >= 0) MarkDirty(other, t);
  }
}

int PlanState::PriorityOf(const ActiveRun& r, int s) const {
  int t = s < static_cast<int>(r.task.size()) ? r.task[s] : -1;
  return t >= 0 ? r.graph->priority[t] : r.tis[s].priority_weight;
}

}  // namespace weir
