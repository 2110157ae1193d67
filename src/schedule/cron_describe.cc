// CronExpression::Describe: the schedule in words, for the UI and `weir dags show`.
// Covers the common shapes well ("Every day at 00:00", "Every 15 minutes", "At 09:00 on
// Monday through Friday") and falls back to listing values for the rest.

#include <array>
#include <bit>
#include <cctype>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "base/strings.h"
#include "schedule/cron.h"

namespace weir {

namespace {

constexpr std::array<std::string_view, 13> kMonths = {
    "",     "January", "February",  "March",   "April",    "May",     "June",
    "July", "August",  "September", "October", "November", "December"};
constexpr std::array<std::string_view, 7> kWeekdays = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                       "Thursday", "Friday", "Saturday"};

std::vector<int> Values(uint64_t bits) {
  std::vector<int> out;
  for (int v = 0; v < 64; ++v) {
    if ((bits >> v) & 1U) out.push_back(v);
  }
  return out;
}

// "a", "a and b", "a, b and c".
std::string JoinWords(const std::vector<std::string>& words) {
  if (words.size() <= 1) return words.empty() ? "" : words[0];
  std::vector<std::string> head(words.begin(), words.end() - 1);
  return Join(head, ", ") + " and " + words.back();
}

// The values as runs: {1,2,3,5} -> "1-3 and 5"; runs of 3+ use `through` between names.
std::string DescribeSet(uint64_t bits, auto name, std::string_view through) {
  std::vector<int> values = Values(bits);
  std::vector<std::string> parts;
  for (size_t i = 0; i < values.size();) {
    size_t j = i;
    while (j + 1 < values.size() && values[j + 1] == values[j] + 1) ++j;
    if (j - i >= 2) {
      parts.push_back(fmt::format("{}{}{}", name(values[i]), through, name(values[j])));
    } else {
      for (size_t k = i; k <= j; ++k) parts.push_back(name(values[k]));
    }
    i = j + 1;
  }
  return JoinWords(parts);
}

std::string Number(int v) { return std::to_string(v); }

// n when the set is exactly {0, n, 2n, ...} up to max with n > 1; 0 otherwise.
int EvenStep(uint64_t bits, int max) {
  std::vector<int> values = Values(bits);
  if (values.size() < 2 || values[0] != 0) return 0;
  int step = values[1];
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i] != static_cast<int>(i) * step) return 0;
  }
  return values.back() + step > max ? step : 0;
}

std::string Clock(int hour, int minute) { return fmt::format("{:02}:{:02}", hour, minute); }

constexpr std::array<std::string_view, 6> kOrdinals = {"",      "first",  "second",
                                                       "third", "fourth", "fifth"};

// Days of the week as bits 1-7, Monday first and Sunday as 7, so that SAT-SUN reads
// "Saturday and Sunday" and MON-SUN "Monday through Sunday".
uint64_t MondayFirst(uint64_t sunday_first) {
  return (sunday_first & ~uint64_t{1}) | ((sunday_first & 1U) << 7);
}

std::string WeekdayName(int d) { return std::string(kWeekdays[d % 7]); }

}  // namespace

std::string CronExpression::Describe() const {
  constexpr uint64_t kAllMinutes = (uint64_t{1} << 60) - 1;
  constexpr uint32_t kAllHours = (uint32_t{1} << 24) - 1;
  constexpr uint16_t kAllMonths = 0x1FFE;
  std::vector<int> minutes = Values(minutes_);
  std::vector<int> hours = Values(hours_);

  // The time of day. `fixed` times read "at 06:00"; repeating ones "every 15 minutes".
  std::string time;
  bool fixed = false;
  int minute_step = EvenStep(minutes_, 59);
  int hour_step = EvenStep(hours_, 23);
  std::string minute_list = DescribeSet(minutes_, Number, "-");
  if (hours.size() * minutes.size() <= 4) {
    std::vector<std::string> clocks;
    for (int h : hours) {
      for (int m : minutes) clocks.push_back(Clock(h, m));
    }
    time = "at " + JoinWords(clocks);
    fixed = true;
  } else if (minutes_ == kAllMinutes) {
    time = "every minute";
  } else if (minute_step != 0) {
    time = fmt::format("every {} minutes", minute_step);
  } else if (hours_ == kAllHours && minutes.size() == 1) {
    time = minutes[0] == 0 ? "every hour" : fmt::format("every hour at minute {}", minutes[0]);
  } else if (hour_step != 0 && minutes.size() == 1) {
    time = fmt::format("every {} hours", hour_step);
    if (minutes[0] != 0) time += fmt::format(" at minute {}", minutes[0]);
  } else {
    time = fmt::format("at minute{} {}", minutes.size() == 1 ? "" : "s", minute_list);
  }
  if (!fixed && hours_ != kAllHours && !(hour_step != 0 && minutes.size() == 1)) {
    time += fmt::format(" during hour{} {}", hours.size() == 1 ? "" : "s",
                        DescribeSet(hours_, Number, "-"));
  }

  // The days.
  auto month_name = [](int m) { return std::string(kMonths[m]); };
  std::string months = DescribeSet(months_, month_name, " through ");
  std::vector<std::string> dom_parts;
  if (days_of_month_ != 0) {
    dom_parts.push_back(fmt::format("day{} {}", std::popcount(days_of_month_) == 1 ? "" : "s",
                                    DescribeSet(days_of_month_, Number, "-")));
  }
  if (nearest_weekday_to_ != 0) {
    dom_parts.push_back(fmt::format("the weekday nearest day {}", nearest_weekday_to_));
  }
  if (last_day_of_month_) dom_parts.push_back("the last day");
  if (last_weekday_of_month_) dom_parts.push_back("the last weekday");
  std::string dom = JoinWords(dom_parts);
  std::vector<std::string> dow_parts;
  if (days_of_week_ != 0) {
    dow_parts.push_back(DescribeSet(MondayFirst(days_of_week_), WeekdayName, " through "));
  }
  bool of_the_month = false;
  for (int nth = 1; nth <= 5; ++nth) {
    uint64_t days = 0;
    for (int d = 0; d < 7; ++d) {
      if ((nth_weekday_[d] >> nth) & 1U) days |= uint64_t{1} << d;
    }
    if (days == 0) continue;
    dow_parts.push_back(fmt::format("the {} {}", kOrdinals[nth],
                                    DescribeSet(MondayFirst(days), WeekdayName, " through ")));
    of_the_month = true;
  }
  if (last_weekday_ != 0) {
    dow_parts.push_back("the last " +
                        DescribeSet(MondayFirst(last_weekday_), WeekdayName, " through "));
    of_the_month = true;
  }
  std::string dow = JoinWords(dow_parts);
  if (of_the_month) dow += " of the month";
  bool every_month = months_ == kAllMonths;
  std::string days;
  if (!day_of_month_star_ && !day_of_week_star_) {
    days = fmt::format("on {} or on {}", dom, dow);
    if (!every_month) days += " in " + months;
  } else if (!day_of_month_star_) {
    days = fmt::format("on {} of {}", dom, every_month ? "every month" : months);
  } else if (!day_of_week_star_) {
    days = "on " + dow;
    if (!every_month) days += " in " + months;
  } else if (!every_month) {
    days = "every day in " + months;
  }

  if (days.empty()) {
    if (fixed) return "Every day " + time;
    time[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(time[0])));
    return time;
  }
  time[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(time[0])));
  return time + " " + days;
}

}  // namespace weir
