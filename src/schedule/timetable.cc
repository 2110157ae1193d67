#include "schedule/timetable.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include "base/strings.h"
#include "schedule/cron.h"
#include "schedule/tick_timetable.h"

namespace weir {

namespace {

constexpr std::string_view kScheduleForms =
    "use a cron expression ('0 6 * * *'), a preset (@hourly, @daily, @weekly, @monthly, "
    "@yearly, @once), a fixed interval ('every 6h', 'every 30m', '1d') or none for manual runs "
    "only";

// `schedule: null`: runs are only triggered by hand.
class ManualTimetable final : public Timetable {
 public:
  explicit ManualTimetable(std::string expression) : expression_(std::move(expression)) {}

  std::optional<DataInterval> NextInterval(std::optional<DataInterval>, const TimeRestriction&,
                                           Time) const override {
    return std::nullopt;
  }
  std::vector<DataInterval> IntervalsBetween(Time, Time) const override { return {}; }
  bool periodic() const override { return false; }
  std::string expression() const override { return expression_; }
  std::string Describe() const override { return "Manual only"; }

 private:
  std::string expression_;
};

// `@once`: a single run with the point interval [start_date, start_date].
class OnceTimetable final : public Timetable {
 public:
  OnceTimetable(std::string expression, Time start_date)
      : expression_(std::move(expression)), start_date_(start_date) {}

  std::optional<DataInterval> NextInterval(std::optional<DataInterval> last,
                                           const TimeRestriction& restriction,
                                           Time) const override {
    if (last) return std::nullopt;
    Time at = restriction.earliest.value_or(start_date_);
    if (restriction.latest && at > *restriction.latest) return std::nullopt;
    return DataInterval{at, at};
  }
  Time DueAt(const DataInterval& interval) const override { return interval.start; }
  std::vector<DataInterval> IntervalsBetween(Time from, Time to) const override {
    if (start_date_ < from || start_date_ > to) return {};
    return {DataInterval{start_date_, start_date_}};
  }
  bool periodic() const override { return true; }
  std::string expression() const override { return expression_; }
  std::string Describe() const override { return "Once"; }

 private:
  std::string expression_;
  Time start_date_;
};

int CountWords(std::string_view text) {
  int words = 0;
  bool in_word = false;
  for (char c : text) {
    bool space = std::isspace(static_cast<unsigned char>(c)) != 0;
    if (!space && !in_word) ++words;
    in_word = !space;
  }
  return words;
}

Result<std::shared_ptr<const Timetable>> MakeFixedInterval(std::string_view schedule,
                                                           std::string_view duration_text,
                                                           std::optional<Time> start_date) {
  Duration step =
      TRY_CONTEXT(ParseDuration(duration_text), fmt::format("bad schedule '{}'", schedule));
  if (step <= Duration::zero()) {
    return Err(ErrorCode::kInvalidArgument,
               "bad schedule '{}': the interval must be longer than zero, e.g. 'every 6h'",
               schedule);
  }
  if (!start_date) {
    return Err(ErrorCode::kInvalidArgument,
               "schedule '{}' needs a start_date: fixed intervals are counted from it; set "
               "start_date on the DAG, or use a cron expression",
               schedule);
  }
  return std::make_shared<FixedIntervalTimetable>(std::string(schedule), *start_date, step);
}

}  // namespace

Result<std::shared_ptr<const Timetable>> MakeTimetable(std::string_view schedule,
                                                       std::string_view zone_name,
                                                       std::optional<Time> start_date) {
  std::string_view text = Trim(schedule);
  std::string lower = ToLower(text);
  const date::time_zone* zone = TRY_CONTEXT(FindZone(zone_name.empty() ? "UTC" : zone_name),
                                            fmt::format("schedule '{}'", text));
  if (lower.empty() || lower == "none" || lower == "null" || lower == "@none") {
    return std::make_shared<ManualTimetable>(std::string(text));
  }
  if (lower == "@once") {
    if (!start_date) {
      return Err(ErrorCode::kInvalidArgument,
                 "schedule '@once' needs a start_date: the single run's logical date is the "
                 "start_date; set start_date on the DAG");
    }
    return std::make_shared<OnceTimetable>(std::string(text), *start_date);
  }
  if (lower.starts_with("every") && lower.size() > 5 &&
      std::isspace(static_cast<unsigned char>(lower[5]))) {
    return MakeFixedInterval(text, Trim(text.substr(5)), start_date);
  }
  if (lower[0] == '@' || CountWords(text) == 5) {
    CronExpression cron = TRY(CronExpression::Parse(text));
    return std::make_shared<CronTimetable>(std::move(cron), zone);
  }
  // A bare duration ("6h", "1 day"); a bare number is too ambiguous to guess a unit for.
  bool has_unit = std::any_of(text.begin(), text.end(),
                              [](char c) { return std::isalpha(static_cast<unsigned char>(c)); });
  if (has_unit && ParseDuration(text).has_value()) {
    return MakeFixedInterval(text, text, start_date);
  }
  if (CountWords(text) >= 3 || text.find('*') != std::string_view::npos) {
    // Most likely a cron expression with a missing or extra field: let the parser say so.
    CronExpression cron = TRY(CronExpression::Parse(text));
    return std::make_shared<CronTimetable>(std::move(cron), zone);
  }
  return Err(ErrorCode::kInvalidArgument, "unknown schedule '{}': {}", text, kScheduleForms);
}

}  // namespace weir
