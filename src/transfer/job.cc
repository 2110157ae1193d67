#include "transfer/job.h"

#include <algorithm>
#include <filesystem>

#include "base/ids.h"
#include "base/strings.h"
#include "env/files.h"

namespace weir {

namespace {

namespace fs = std::filesystem;
using std::chrono::sys_days;

constexpr int kDaySeconds = 24 * 3600;

template <class... Args>
std::unexpected<Error> Invalid(fmt::format_string<Args...> format, Args&&... args) {
  return MakeError(ErrorCode::kInvalidArgument,
                   "transfer job: " + fmt::format(format, std::forward<Args>(args)...));
}

// `j`'s fields by their snake_case names (the service's JSON writes lowerCamelCase), each
// checked against `known`.
Result<Json> SnakeFields(const Json& j, const std::vector<std::string>& known,
                         std::string_view what) {
  Json out = Json::object();
  for (const auto& [key, value] : j.items()) {
    std::string snake = SnakeCase(key);
    if (std::ranges::find(known, snake) == known.end()) {
      return Invalid("unknown {} field '{}'{}", what, key, DidYouMean(snake, known));
    }
    if (!value.is_null()) out[snake] = value;
  }
  return out;
}

// The field `name` of `j` (snake_case), or null.
const Json* Field(const Json& j, const std::string& name) {
  auto it = j.find(name);
  return it == j.end() ? nullptr : &*it;
}

Result<sys_days> DateField(const Json& v, std::string_view name) {
  int y = 0;
  unsigned m = 0;
  unsigned d = 0;
  if (v.is_object()) {
    y = v.value("year", 0);
    m = v.value("month", 0U);
    d = v.value("day", 0U);
  } else if (v.is_string()) {
    std::string text = v.get<std::string>();
    if (text.size() != 10 || std::sscanf(text.c_str(), "%4d-%2u-%2u", &y, &m, &d) != 3) {
      return Invalid("{} '{}' must be a date: \"2026-12-06\" or {{year, month, day}}", name, text);
    }
  } else {
    return Invalid("{} must be a date: \"2026-12-06\" or {{year, month, day}}", name);
  }
  std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(m), std::chrono::day(d)};
  if (y < 1 || y > 9999 || !ymd.ok()) {
    return Invalid("{} {:04}-{:02}-{:02} is not a day of the calendar", name, y, m, d);
  }
  return sys_days(ymd);
}

Result<int> TimeOfDayField(const Json& v, std::string_view name) {
  int h = 0;
  int m = 0;
  int s = 0;
  if (v.is_object()) {
    h = v.value("hours", 0);
    m = v.value("minutes", 0);
    s = v.value("seconds", 0);
  } else if (v.is_string()) {
    std::string text = v.get<std::string>();
    int n = std::sscanf(text.c_str(), "%2d:%2d:%2d", &h, &m, &s);
    if (n < 2 || text.size() != (n == 2 ? 5U : 8U)) {
      return Invalid("{} '{}' must be a time of day in UTC: \"02:30\" or \"02:30:00\"", name, text);
    }
  } else {
    return Invalid("{} must be a time of day in UTC: \"02:30\" or {{hours, minutes}}", name);
  }
  if (h < 0 || h > 23 || m < 0 || m > 59 || s < 0 || s > 59) {
    return Invalid("{} {:02}:{:02}:{:02} is not a time of day (00:00:00 to 23:59:59)", name, h, m,
                   s);
  }
  return h * 3600 + m * 60 + s;
}

std::string DateText(sys_days d) { return FormatDate(Time(d)); }

std::string TimeOfDayText(int seconds) {
  return fmt::format("{:02}:{:02}:{:02}", seconds / 3600, seconds / 60 % 60, seconds % 60);
}

Result<TransferSchedule> ParseSchedule(const Json& given) {
  if (!given.is_object()) return Invalid("schedule must be an object of fields");
  Json j = TRY(SnakeFields(given,
                           {"schedule_start_date", "schedule_end_date", "start_time_of_day",
                            "end_time_of_day", "repeat_interval"},
                           "schedule"));
  TransferSchedule s;
  const Json* start = Field(j, "schedule_start_date");
  if (start == nullptr) {
    return Invalid(
        "schedule.schedule_start_date is required (the first day, UTC); a job "
        "without a schedule runs only when run");
  }
  s.start_date = TRY(DateField(*start, "schedule.schedule_start_date"));
  if (const Json* end = Field(j, "schedule_end_date")) {
    s.end_date = TRY(DateField(*end, "schedule.schedule_end_date"));
    if (*s.end_date < s.start_date) {
      return Invalid("schedule.schedule_end_date {} is before schedule_start_date {}",
                     DateText(*s.end_date), DateText(s.start_date));
    }
  }
  if (const Json* t = Field(j, "start_time_of_day")) {
    s.start_time_of_day = TRY(TimeOfDayField(*t, "schedule.start_time_of_day"));
  }
  if (const Json* t = Field(j, "end_time_of_day")) {
    if (!s.end_date) return Invalid("schedule.end_time_of_day needs a schedule_end_date");
    s.end_time_of_day = TRY(TimeOfDayField(*t, "schedule.end_time_of_day"));
  }
  if (const Json* r = Field(j, "repeat_interval")) {
    std::string text = r->is_string() ? r->get<std::string>() : "";
    auto d = ParseDuration(text);
    if (!d) {
      return Invalid("schedule.repeat_interval must be a duration (\"6h\", \"21600s\")");
    }
    s.repeat_interval = *d;
  }
  if (s.repeat_interval < std::chrono::hours(1)) {
    return Invalid("schedule.repeat_interval is {}; it must be at least 1 hour",
                   FormatDuration(s.repeat_interval));
  }
  if (s.end_date && !s.once()) {
    Time first = Time(s.start_date) + std::chrono::seconds(s.start_time_of_day.value_or(0));
    Time last =
        Time(*s.end_date) + std::chrono::seconds(s.end_time_of_day.value_or(kDaySeconds - 1));
    if (last < first) {
      return Invalid("the schedule ends ({}) before its first transfer ({})", FormatIso(last),
                     FormatIso(first));
    }
  }
  return s;
}

Json ScheduleJson(const TransferSchedule& s) {
  Json j = {{"schedule_start_date", DateText(s.start_date)},
            {"repeat_interval", fmt::format("{}s", ToSeconds(s.repeat_interval))}};
  if (s.end_date) j["schedule_end_date"] = DateText(*s.end_date);
  if (s.start_time_of_day) j["start_time_of_day"] = TimeOfDayText(*s.start_time_of_day);
  if (s.end_time_of_day) j["end_time_of_day"] = TimeOfDayText(*s.end_time_of_day);
  return j;
}

// A value as YAML reads it: JSON (a double-quoted string, a number, a flow list).
std::string Yaml(const Json& v) { return v.dump(-1, ' ', false, Json::error_handler_t::replace); }

}  // namespace

Result<TransferJob> ParseTransferJob(const Json& given) {
  if (!given.is_object()) return Invalid("a job must be an object of fields");
  Json fields =
      TRY(SnakeFields(given, {"name", "description", "transfer_spec", "schedule"}, "job"));
  TransferJob job;
  const Json* name = Field(fields, "name");
  if (name == nullptr || !name->is_string()) {
    return Invalid("name is required: the job's id, which is also its DAG's id");
  }
  job.name = name->get<std::string>();
  TRY_CONTEXT(CheckId(IdKind::kDag, job.name), "transfer job: name");
  if (const Json* d = Field(fields, "description")) {
    if (!d->is_string()) return Invalid("description must be text");
    job.description = d->get<std::string>();
    if (job.description.size() > 1024 || job.description.find('\n') != std::string::npos) {
      return Invalid("description must be one line of at most 1,024 bytes");
    }
  }
  const Json* spec = Field(fields, "transfer_spec");
  if (spec == nullptr) return Invalid("transfer_spec is required: the source, sink and options");
  TransferSpec parsed = TRY(ParseTransferSpec(*spec));
  job.spec = TransferSpecJson(parsed);
  if (const Json* s = Field(fields, "schedule")) job.schedule = TRY(ParseSchedule(*s));
  return job;
}

Json TransferJobJson(const TransferJob& job) {
  Json j = {{"name", job.name}, {"transfer_spec", job.spec}};
  if (!job.description.empty()) j["description"] = job.description;
  if (job.schedule) j["schedule"] = ScheduleJson(*job.schedule);
  return j;
}

JobDagSchedule JobDagScheduleOf(const std::optional<TransferSchedule>& schedule) {
  if (!schedule) return {};
  const TransferSchedule& s = *schedule;
  Time first = Time(s.start_date) + std::chrono::seconds(s.start_time_of_day.value_or(0));
  if (s.once()) return {.schedule = "@once", .start_date = FormatIso(first), .end_date = ""};
  // A run covers the interval that ends when it starts: the first interval ends at the first
  // transfer; with catchup off, a start already past runs once at once.
  JobDagSchedule out{.schedule = fmt::format("every {}s", ToSeconds(s.repeat_interval)),
                     .start_date = FormatIso(first - s.repeat_interval),
                     .end_date = ""};
  if (s.end_date) {
    Time last =
        Time(*s.end_date) + std::chrono::seconds(s.end_time_of_day.value_or(kDaySeconds - 1));
    out.end_date = FormatIso(last - s.repeat_interval);
  }
  return out;
}

std::string TransferJobDagYaml(const TransferJob& job) {
  JobDagSchedule when = JobDagScheduleOf(job.schedule);
  std::string y = fmt::format(
      "# The transfer job {0}, generated by weir from {0}.job.json beside this file.\n"
      "# Change the job with `weir transfers update {0}` or the UI's Transfers page: an edit\n"
      "# here is replaced the next time the job is saved.\n",
      job.name);
  y += "dag_id: " + Yaml(job.name) + "\n";
  if (!job.description.empty()) y += "description: " + Yaml(job.description) + "\n";
  y += "tags: [\"transfer\"]\n";
  y += "schedule: " + (when.schedule.empty() ? std::string("null") : Yaml(when.schedule)) + "\n";
  if (!when.start_date.empty()) y += "start_date: " + Yaml(when.start_date) + "\n";
  if (!when.end_date.empty()) y += "end_date: " + Yaml(when.end_date) + "\n";
  y += "catchup: false\nmax_active_runs: 1\ntasks:\n";
  y += "  - task_id: \"transfer\"\n    operator: \"transfer\"\n";
  for (const auto& [key, value] : job.spec.items()) {
    y += "    " + key + ": " + Yaml(value) + "\n";
  }
  return y;
}

std::string TransferJobFolder(const std::string& dags_folder) {
  return (fs::path(dags_folder) / "transfers").string();
}

std::string TransferJobRecordPath(const std::string& dags_folder, const std::string& name) {
  return (fs::path(TransferJobFolder(dags_folder)) / (name + ".job.json")).string();
}

std::string TransferJobDagPath(const std::string& dags_folder, const std::string& name) {
  return (fs::path(TransferJobFolder(dags_folder)) / (name + ".yaml")).string();
}

Status SaveTransferJob(const std::string& dags_folder, const TransferJob& job, bool replace) {
  TRY(CheckId(IdKind::kDag, job.name));
  std::string record = TransferJobRecordPath(dags_folder, job.name);
  std::error_code ec;
  if (!replace && fs::exists(record, ec)) {
    return Err(ErrorCode::kAlreadyExists,
               "a transfer job named '{}' exists already: update it, or choose another name",
               job.name);
  }
  fs::create_directories(TransferJobFolder(dags_folder), ec);
  if (ec) {
    return Err(ErrorCode::kIo, "cannot create {}: {}", TransferJobFolder(dags_folder),
               ec.message());
  }
  TRY(WriteFileAtomic(record, TransferJobJson(job).dump(2) + "\n"));
  return WriteFileAtomic(TransferJobDagPath(dags_folder, job.name), TransferJobDagYaml(job));
}

Result<TransferJob> LoadTransferJob(const std::string& dags_folder, const std::string& name) {
  TRY(CheckId(IdKind::kDag, name));
  std::string path = TransferJobRecordPath(dags_folder, name);
  auto text = ReadFileWithin(dags_folder, path, size_t{1} << 20);
  if (!text && text.error().code == ErrorCode::kNotFound) {
    std::vector<std::string> names;
    if (auto jobs = ListTransferJobs(dags_folder)) {
      for (const TransferJob& j : *jobs) names.push_back(j.name);
    }
    return Err(ErrorCode::kNotFound, "no transfer job named '{}'{}", name,
               names.empty() ? std::string(" (there are none)") : DidYouMean(name, names));
  }
  if (!text) return std::unexpected(text.error());
  Json json = TRY(ParseJson(*text, path));
  return TRY_CONTEXT(ParseTransferJob(json), path);
}

Result<std::vector<TransferJob>> ListTransferJobs(const std::string& dags_folder) {
  std::vector<TransferJob> jobs;
  std::string folder = TransferJobFolder(dags_folder);
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) return jobs;
  for (const std::string& file : TRY(ListFiles(folder, false))) {
    std::string name = fs::path(file).filename().string();
    if (!name.ends_with(".job.json")) continue;
    jobs.push_back(TRY(LoadTransferJob(dags_folder, name.substr(0, name.size() - 9))));
  }
  std::ranges::sort(jobs, {}, &TransferJob::name);
  return jobs;
}

Status DeleteTransferJob(const std::string& dags_folder, const std::string& name) {
  TRY(LoadTransferJob(dags_folder, name));  // kNotFound with the names there are
  std::error_code ec;
  fs::remove(TransferJobDagPath(dags_folder, name), ec);
  if (ec) return Err(ErrorCode::kIo, "cannot remove the job's DAG file: {}", ec.message());
  fs::remove(TransferJobRecordPath(dags_folder, name), ec);
  if (ec) return Err(ErrorCode::kIo, "cannot remove the job's record: {}", ec.message());
  return {};
}

}  // namespace weir
