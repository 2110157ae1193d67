#include "model/state.h"

#include <array>
#include <utility>

namespace weir {

namespace {

template <class E, size_t N>
std::optional<E> Lookup(const std::array<std::pair<E, std::string_view>, N>& table,
                        std::string_view s) {
  for (const auto& [e, name] : table) {
    if (name == s) return e;
  }
  return std::nullopt;
}

template <class E, size_t N>
std::string_view NameOf(const std::array<std::pair<E, std::string_view>, N>& table, E e) {
  for (const auto& [v, name] : table) {
    if (v == e) return name;
  }
  return "unknown";
}

constexpr std::array<std::pair<TaskState, std::string_view>, 10> kTaskStates{{
    {TaskState::kNone, "none"},
    {TaskState::kScheduled, "scheduled"},
    {TaskState::kQueued, "queued"},
    {TaskState::kRunning, "running"},
    {TaskState::kSuccess, "success"},
    {TaskState::kFailed, "failed"},
    {TaskState::kUpForRetry, "up_for_retry"},
    {TaskState::kSkipped, "skipped"},
    {TaskState::kUpstreamFailed, "upstream_failed"},
    {TaskState::kRemoved, "removed"},
}};

constexpr std::array<std::pair<RunState, std::string_view>, 4> kRunStates{{
    {RunState::kQueued, "queued"},
    {RunState::kRunning, "running"},
    {RunState::kSuccess, "success"},
    {RunState::kFailed, "failed"},
}};

constexpr std::array<std::pair<RunType, std::string_view>, 4> kRunTypes{{
    {RunType::kScheduled, "scheduled"},
    {RunType::kManual, "manual"},
    {RunType::kBackfill, "backfill"},
    {RunType::kTest, "test"},
}};

constexpr std::array<std::pair<TriggerRule, std::string_view>, 9> kTriggerRules{{
    {TriggerRule::kAllSuccess, "all_success"},
    {TriggerRule::kAllFailed, "all_failed"},
    {TriggerRule::kAllDone, "all_done"},
    {TriggerRule::kOneSuccess, "one_success"},
    {TriggerRule::kOneFailed, "one_failed"},
    {TriggerRule::kNoneFailed, "none_failed"},
    {TriggerRule::kNoneFailedMinOneSuccess, "none_failed_min_one_success"},
    {TriggerRule::kNoneSkipped, "none_skipped"},
    {TriggerRule::kAlways, "always"},
}};

}  // namespace

std::string_view TaskStateName(TaskState s) { return NameOf(kTaskStates, s); }
std::optional<TaskState> ParseTaskState(std::string_view s) { return Lookup(kTaskStates, s); }
std::string_view RunStateName(RunState s) { return NameOf(kRunStates, s); }
std::optional<RunState> ParseRunState(std::string_view s) { return Lookup(kRunStates, s); }
std::string_view RunTypeName(RunType t) { return NameOf(kRunTypes, t); }
std::optional<RunType> ParseRunType(std::string_view s) { return Lookup(kRunTypes, s); }
std::string_view TriggerRuleName(TriggerRule r) { return NameOf(kTriggerRules, r); }
std::optional<TriggerRule> ParseTriggerRule(std::string_view s) { return Lookup(kTriggerRules, s); }

bool IsFinished(TaskState s) {
  return s == TaskState::kSuccess || s == TaskState::kFailed || s == TaskState::kSkipped ||
         s == TaskState::kUpstreamFailed || s == TaskState::kRemoved;
}

bool IsActive(TaskState s) { return s == TaskState::kQueued || s == TaskState::kRunning; }

}  // namespace weir
