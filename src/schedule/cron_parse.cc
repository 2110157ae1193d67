// Parsing of 5-field cron expressions and presets into CronExpression's bit sets.

#include <array>
#include <cctype>
#include <charconv>
#include <string>
#include <vector>

#include "base/strings.h"
#include "schedule/cron.h"

namespace weir {

namespace {

constexpr std::string_view kForm =
    "the form is 'minute hour day-of-month month day-of-week', e.g. '0 6 * * *' (06:00 every "
    "day), '*/15 * * * *' or '0 9 * * MON-FRI', or a preset: @hourly, @daily, @weekly, "
    "@monthly, @quarterly, @yearly";

constexpr std::array<std::string_view, 12> kMonthNames = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                          "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::array<std::string_view, 7> kWeekdayNames = {"SUN", "MON", "TUE", "WED",
                                                           "THU", "FRI", "SAT"};

struct FieldSpec {
  std::string_view name;
  int min;
  int max;                 // largest value accepted (7 for day-of-week, an alias of 0)
  int star_max;            // largest value `*` covers
  std::string_view valid;  // the valid values, for messages
};

constexpr std::array<FieldSpec, 5> kFields = {{
    {"minute", 0, 59, 59, "0-59"},
    {"hour", 0, 23, 23, "0-23"},
    {"day-of-month", 1, 31, 31, "1-31"},
    {"month", 1, 12, 12, "1-12 or JAN-DEC"},
    {"day-of-week", 0, 7, 6, "0-7 (0 and 7 are Sunday) or SUN-SAT"},
}};

struct Preset {
  std::string_view name;
  std::string_view fields;
};

constexpr std::array<Preset, 8> kPresets = {{
    {"@hourly", "0 * * * *"},
    {"@daily", "0 0 * * *"},
    {"@midnight", "0 0 * * *"},
    {"@weekly", "0 0 * * 0"},
    {"@monthly", "0 0 1 * *"},
    {"@quarterly", "0 0 1 */3 *"},
    {"@yearly", "0 0 1 1 *"},
    {"@annually", "0 0 1 1 *"},
}};

constexpr std::array<int, 13> kMaxDaysInMonth = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

std::vector<std::string> SplitFields(std::string_view text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    size_t start = i;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i > start) out.emplace_back(text.substr(start, i - start));
  }
  return out;
}

}  // namespace

// Parses one expression; a friend of CronExpression so it can fill in the bit sets.
class CronParser {
 public:
  explicit CronParser(std::string_view expression) : expression_(expression) {}

  Result<CronExpression> Parse() {
    std::string_view body = Trim(expression_);
    CronExpression cron;
    cron.expression_ = std::string(body);
    if (!body.empty() && body[0] == '@') {
      std::string lower = ToLower(body);
      const Preset* preset = nullptr;
      for (const auto& p : kPresets) {
        if (p.name == lower) preset = &p;
      }
      if (preset == nullptr) {
        std::vector<std::string> names;
        names.reserve(kPresets.size());
        for (const auto& p : kPresets) names.emplace_back(p.name);
        return Err(ErrorCode::kInvalidArgument,
                   "bad cron expression '{}': unknown preset{}; the presets are @hourly, "
                   "@daily, @midnight, @weekly, @monthly, @quarterly, @yearly and @annually",
                   expression_, DidYouMean(lower, names));
      }
      body = preset->fields;
    }
    std::vector<std::string> fields = SplitFields(body);
    if (fields.size() == 6) {
      return Err(ErrorCode::kInvalidArgument,
                 "bad cron expression '{}': it has 6 fields, and a sixth field would be seconds "
                 "(as croniter reads it); weir schedules to the minute, so drop it; {}",
                 expression_, kForm);
    }
    if (fields.size() != kFields.size()) {
      return Err(ErrorCode::kInvalidArgument, "bad cron expression '{}': it has {} field{}; {}",
                 expression_, fields.size(), fields.size() == 1 ? "" : "s", kForm);
    }
    std::array<uint64_t, 5> bits{};
    for (size_t i = 0; i < fields.size(); ++i) {
      bits[i] = TRY(ParseField(fields[i], static_cast<int>(i), cron));
    }
    cron.minutes_ = bits[0];
    cron.hours_ = static_cast<uint32_t>(bits[1]);
    cron.days_of_month_ = static_cast<uint32_t>(bits[2]);
    cron.months_ = static_cast<uint16_t>(bits[3]);
    // Day-of-week 7 is Sunday: fold bit 7 onto bit 0.
    cron.days_of_week_ = static_cast<uint8_t>((bits[4] | (bits[4] >> 7)) & 0x7F);
    cron.day_of_month_star_ = fields[2] == "*" || fields[2] == "?";
    cron.day_of_week_star_ = fields[4] == "*" || fields[4] == "?";
    cron.hour_repeats_ = cron.hours_ == (uint32_t{1} << 24) - 1;
    TRY(CheckCanMatch(cron, fields[2], fields[3]));
    if (!cron.Next(Time{})) {
      return Err(ErrorCode::kInvalidArgument,
                 "bad cron expression '{}': it never fires (no time in 30 years matches its "
                 "day-of-month, month and day-of-week together), so the DAG would never run; "
                 "check those fields",
                 expression_);
    }
    return cron;
  }

 private:
  template <class... Args>
  std::unexpected<Error> FieldError(int index, fmt::format_string<Args...> f, Args&&... args) {
    return Err(ErrorCode::kInvalidArgument, "bad cron expression '{}': field {} ({}) {}; {}",
               expression_, index + 1, kFields[index].name,
               fmt::format(f, std::forward<Args>(args)...), kForm);
  }

  // A number, or a month or weekday name in the fields that have them.
  Result<int> ParseValue(std::string_view text, int index) {
    const FieldSpec& spec = kFields[index];
    int value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec == std::errc{} && ptr == text.data() + text.size()) {
      if (value < spec.min || value > spec.max) {
        return FieldError(index, "value {} is out of range {}", value, spec.valid);
      }
      return value;
    }
    std::string upper = Upper(text);
    if (index == 3) {
      for (size_t i = 0; i < kMonthNames.size(); ++i) {
        if (kMonthNames[i] == upper) return static_cast<int>(i) + 1;
      }
    }
    if (index == 4) {
      for (size_t i = 0; i < kWeekdayNames.size(); ++i) {
        if (kWeekdayNames[i] == upper) return static_cast<int>(i);
      }
    }
    if (text.empty()) return FieldError(index, "has an empty value; use {}", spec.valid);
    return FieldError(index, "value '{}' is not valid; use {}", text, spec.valid);
  }

  // One comma-separated list: returns the set of plain values as bits; L, W and # items go to
  // `cron`'s day extras.
  Result<uint64_t> ParseField(std::string_view text, int index, CronExpression& cron) {
    bool day_field = index == 2 || index == 4;
    if (text.find('?') != std::string_view::npos) {
      if (!day_field || text != "?") {
        return FieldError(index, "'{}' uses '?', which may only stand alone in a day field", text);
      }
      text = "*";
    }
    std::vector<std::string> items = Split(text, ',');
    uint64_t bits = 0;
    for (const std::string& item : items) {
      if (item.empty()) return FieldError(index, "'{}' has an empty list item", text);
      if (index == 2 && TRY(ParseDayOfMonthExtra(item, items.size(), cron))) continue;
      if (index == 4 && TRY(ParseDayOfWeekExtra(item, cron))) continue;
      bits |= TRY(ParseItem(item, index));
    }
    return bits;
  }

  // `*`, a value, a range (wrapping around when it starts after it ends) and a step.
  Result<uint64_t> ParseItem(std::string_view item, int index) {
    const FieldSpec& spec = kFields[index];
    std::string_view range = item;
    int step = 1;
    bool has_step = false;
    if (size_t slash = item.find('/'); slash != std::string_view::npos) {
      std::string_view step_text = item.substr(slash + 1);
      auto [ptr, ec] = std::from_chars(step_text.data(), step_text.data() + step_text.size(), step);
      if (ec != std::errc{} || ptr != step_text.data() + step_text.size() || step < 1) {
        return FieldError(index, "step '{}' in '{}' must be a whole number of at least 1",
                          step_text, item);
      }
      has_step = true;
      range = range.substr(0, slash);
    }
    int lo = 0;
    int hi = 0;
    if (range == "*") {
      lo = spec.min;
      hi = spec.star_max;
    } else if (size_t dash = range.find('-'); dash != std::string_view::npos && dash > 0) {
      lo = TRY(ParseValue(range.substr(0, dash), index));
      std::string_view end = range.substr(dash + 1);
      hi = index == 2 && Upper(end) == "L" ? spec.max : TRY(ParseValue(end, index));
    } else {
      lo = TRY(ParseValue(range, index));
      hi = has_step ? spec.star_max : lo;  // "5/15" means "5-max/15"
    }
    if (index == 4 && lo == 7) {  // Sunday: "7/2" starts the week at Sunday
      lo = 0;
      if (hi == 7) hi = 0;
    }
    uint64_t bits = 0;
    if (lo <= hi) {
      for (int v = lo; v <= hi; v += step) bits |= uint64_t{1} << v;
      return bits;
    }
    // Wraps around: from lo to the field's end, then on from its start, one step apart.
    int size = spec.star_max - spec.min + 1;
    int count = (hi - lo + size) % size + 1;
    for (int k = 0; k < count; k += step)
      bits |= uint64_t{1} << (spec.min + (lo - spec.min + k) % size);
    return bits;
  }

  // L, LW, nW / Wn. True when `item` was one of them.
  Result<bool> ParseDayOfMonthExtra(std::string_view item, size_t items, CronExpression& cron) {
    std::string upper = Upper(item);
    if (upper == "L") return cron.last_day_of_month_ = true;
    if (upper == "LW") return cron.last_weekday_of_month_ = true;
    if (upper.find('W') == std::string::npos) return false;
    std::string_view digits = upper;
    if (upper.front() == 'W') {
      digits.remove_prefix(1);
    } else if (upper.back() == 'W') {
      digits.remove_suffix(1);
    }
    int day = 0;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), day);
    if (ec != std::errc{} || ptr != digits.data() + digits.size() || digits.empty()) {
      return FieldError(
          2, "'{}' is not valid; W follows a day: 15W is the weekday nearest the 15th", item);
    }
    if (day < 1 || day > 31) return FieldError(2, "'{}': the day before W must be 1-31", item);
    if (items > 1) {
      return FieldError(2, "'{}': W takes one day, not a list (write one nW, or plain days)", item);
    }
    cron.nearest_weekday_to_ = static_cast<uint8_t>(day);
    return true;
  }

  // D#n (a value or a range of days, n from 1 to 5) and DL / LD. True when `item` was one.
  Result<bool> ParseDayOfWeekExtra(std::string_view item, CronExpression& cron) {
    std::string upper = Upper(item);
    if (size_t hash = upper.find('#'); hash != std::string::npos) {
      std::string_view nth_text = std::string_view(upper).substr(hash + 1);
      int nth = 0;
      auto [ptr, ec] = std::from_chars(nth_text.data(), nth_text.data() + nth_text.size(), nth);
      if (ec != std::errc{} || ptr != nth_text.data() + nth_text.size() || nth < 1 || nth > 5) {
        return FieldError(4, "'{}': the number after # must be 1-5 (SAT#1 is the first Saturday)",
                          item);
      }
      uint64_t days = TRY(ParseItem(std::string_view(upper).substr(0, hash), 4));
      days = (days | (days >> 7)) & 0x7F;
      for (int d = 0; d < 7; ++d) {
        if ((days >> d) & 1U) cron.nth_weekday_[d] |= static_cast<uint8_t>(1U << nth);
      }
      return true;
    }
    if (upper == "L") {
      return FieldError(4, "'L' needs a day: 5L (or FRIL, L5) is the last Friday of the month");
    }
    std::string_view day = upper;
    if (upper.size() > 1 && upper.front() == 'L') {
      day.remove_prefix(1);
    } else if (upper.size() > 1 && upper.back() == 'L') {
      day.remove_suffix(1);
    } else {
      return false;
    }
    int value = TRY(ParseValue(day, 4));
    cron.last_weekday_ |= static_cast<uint8_t>(1U << (value % 7));
    return true;
  }

  static std::string Upper(std::string_view text) {
    std::string upper(text);
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return upper;
  }

  // Rejects day-of-month/month combinations that never occur ("0 0 30 2 *"), which would
  // otherwise give a DAG that silently never runs.
  Status CheckCanMatch(const CronExpression& cron, std::string_view days, std::string_view months) {
    if (!cron.day_of_week_star_ && !cron.day_of_month_star_) return {};  // either may match
    if (cron.last_day_of_month_ || cron.last_weekday_of_month_ || cron.nearest_weekday_to_ != 0) {
      return {};  // these fall in every month
    }
    for (int month = 1; month <= 12; ++month) {
      if (!cron.MonthMatches(month)) continue;
      uint32_t possible = (uint32_t{2} << kMaxDaysInMonth[month]) - 2;  // bits 1..max
      if (cron.days_of_month_ & possible) return {};
    }
    return FieldError(2,
                      "'{}' never occurs in field 4 (month) '{}', so the schedule would never "
                      "run; pick days that exist in those months",
                      days, months);
  }

  std::string_view expression_;
};

Result<CronExpression> CronExpression::Parse(std::string_view expression) {
  return CronParser(expression).Parse();
}

}  // namespace weir
