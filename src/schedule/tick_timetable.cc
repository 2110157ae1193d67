#include "schedule/tick_timetable.h"

#include <algorithm>
#include <utility>

#include <date/tz.h>
#include <fmt/format.h>

namespace weir {

namespace {

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if (a % b != 0 && ((a < 0) != (b < 0))) --q;
  return q;
}

int64_t CeilDiv(int64_t a, int64_t b) { return -FloorDiv(-a, b); }

std::optional<Time> Max(std::optional<Time> a, std::optional<Time> b) {
  if (!a) return b;
  if (!b) return a;
  return std::max(*a, *b);
}

}  // namespace

std::optional<Time> TickTimetable::TickAtOrAfter(Time t) const { return NextTick(t - Micros{1}); }

std::optional<Time> TickTimetable::TickAtOrBefore(Time t) const { return PrevTick(t + Micros{1}); }

std::optional<DataInterval> TickTimetable::NextInterval(std::optional<DataInterval> last,
                                                        const TimeRestriction& restriction,
                                                        Time now) const {
  std::optional<Time> start_date = restriction.earliest ? restriction.earliest : DefaultEarliest();
  std::optional<Time> earliest;
  if (start_date) {
    earliest = TickAtOrAfter(*start_date);
    if (!earliest) return std::nullopt;
  }
  if (!restriction.catchup || !start_date) {
    // The latest complete interval at `now` ends at the last tick <= now.
    std::optional<Time> last_tick = TickAtOrBefore(now);
    std::optional<Time> latest_start = last_tick ? PrevTick(*last_tick) : std::nullopt;
    earliest = Max(earliest, latest_start);
    if (!earliest) earliest = last_tick ? last_tick : NextTick(now);
  }
  std::optional<Time> start = earliest;
  if (last) {
    // Realign to the schedule in case it changed since `last` was created.
    std::optional<Time> aligned = TickAtOrBefore(last->end);
    if (!aligned) aligned = TickAtOrAfter(last->end);
    start = Max(aligned, earliest);
  }
  if (!start) return std::nullopt;
  if (restriction.latest && *start > *restriction.latest) return std::nullopt;
  std::optional<Time> end = NextTick(*start);
  if (!end) return std::nullopt;
  return DataInterval{*start, *end};
}

std::vector<DataInterval> TickTimetable::IntervalsBetween(Time from, Time to) const {
  std::vector<DataInterval> out;
  std::optional<Time> start = TickAtOrAfter(from);
  while (start && *start <= to) {
    std::optional<Time> end = NextTick(*start);
    if (!end) break;
    out.push_back(DataInterval{*start, *end});
    start = end;
  }
  return out;
}

// The description is made once: the API's DAG list asks for every DAG's on every request.
CronTimetable::CronTimetable(CronExpression cron, const date::time_zone* zone)
    : cron_(std::move(cron)),
      zone_(zone),
      description_(fmt::format("{} ({})", cron_.Describe(), zone_->name())) {}

std::string CronTimetable::Describe() const { return description_; }

FixedIntervalTimetable::FixedIntervalTimetable(std::string expression, Time anchor, Duration step)
    : expression_(std::move(expression)), anchor_(anchor), step_(step) {}

std::optional<Time> FixedIntervalTimetable::NextTick(Time after) const {
  int64_t k = FloorDiv((after - anchor_).count(), step_.count()) + 1;
  return anchor_ + k * step_;
}

std::optional<Time> FixedIntervalTimetable::PrevTick(Time before) const {
  int64_t k = CeilDiv((before - anchor_).count(), step_.count()) - 1;
  return anchor_ + k * step_;
}

std::string FixedIntervalTimetable::Describe() const {
  using std::chrono::days;
  using std::chrono::hours;
  using std::chrono::minutes;
  using std::chrono::seconds;
  struct Unit {
    Duration length;
    const char* name;
  };
  const Unit units[] = {{days{7}, "week"},
                        {days{1}, "day"},
                        {hours{1}, "hour"},
                        {minutes{1}, "minute"},
                        {seconds{1}, "second"}};
  for (const Unit& unit : units) {
    if (step_ % unit.length != Duration::zero()) continue;
    int64_t n = step_ / unit.length;
    return n == 1 ? fmt::format("Every {}", unit.name) : fmt::format("Every {} {}s", n, unit.name);
  }
  return "Every " + FormatDuration(step_);
}

}  // namespace weir
