#include "transfer/job.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "env/temp_dir.h"

namespace weir {
namespace {

Json Job(const Json& schedule = nullptr) {
  Json j = {{"name", "nightly_copy"},
            {"description", "raw to the backup bucket"},
            {"transfer_spec",
             {{"source", "s3://raw/"}, {"sink", "gs://backup/raw/"}, {"sink_conn_id", "gcs"}}}};
  if (!schedule.is_null()) j["schedule"] = schedule;
  return j;
}

std::string ErrorOf(const Json& j) {
  auto job = ParseTransferJob(j);
  return job ? "" : job.error().message;
}

TEST(TransferJobTest, ReadsTheServicesFormsAndWritesThemBack) {
  Json camel = {{"name", "a"},
                {"transferSpec", {{"source", "s3://raw/"}, {"sink", "file:///backup/"}}},
                {"schedule",
                 {{"scheduleStartDate", {{"year", 2026}, {"month", 12}, {"day", 6}}},
                  {"startTimeOfDay", {{"hours", 2}, {"minutes", 30}}},
                  {"repeatInterval", "21600s"}}}};
  TransferJob job = ParseTransferJob(camel).value();
  ASSERT_TRUE(job.schedule.has_value());
  EXPECT_EQ(job.schedule->start_time_of_day, 2 * 3600 + 30 * 60);
  EXPECT_EQ(job.schedule->repeat_interval, std::chrono::hours(6));
  Json back = TransferJobJson(job);
  EXPECT_EQ(back["schedule"]["schedule_start_date"], "2026-12-06");
  EXPECT_EQ(back["schedule"]["start_time_of_day"], "02:30:00");
  EXPECT_EQ(back["transfer_spec"]["sink"], "file:///backup/");
  EXPECT_EQ(TransferJobJson(ParseTransferJob(back).value()), back);  // a round trip
}

TEST(TransferJobTest, RefusesWhatTheServiceRefuses) {
  EXPECT_NE(ErrorOf({{"transfer_spec", Job()["transfer_spec"]}}).find("name is required"),
            std::string::npos);
  Json bad_name = Job();
  bad_name["name"] = "../x";
  EXPECT_NE(ErrorOf(bad_name).find("bad dag_id"), std::string::npos) << ErrorOf(bad_name);
  Json typo = Job();
  typo["shedule"] = Json::object();
  EXPECT_NE(ErrorOf(typo).find("did you mean 'schedule'"), std::string::npos) << ErrorOf(typo);
  Json bad_spec = Job();
  bad_spec["transfer_spec"]["delete_objects_unique_in_sink"] = true;
  bad_spec["transfer_spec"]["delete_objects_from_source_after_transfer"] = true;
  EXPECT_NE(ErrorOf(bad_spec).find("transfer:"), std::string::npos);
  struct Case {
    Json schedule;
    std::string expected;
  };
  std::vector<Case> cases = {
      {{{"schedule_end_date", "2026-12-06"}}, "schedule_start_date is required"},
      {{{"schedule_start_date", "2026-02-30"}}, "2026-02-30 is not a day of the calendar"},
      {{{"schedule_start_date", "6/12/2026"}}, "must be a date"},
      {{{"schedule_start_date", "2026-12-06"}, {"schedule_end_date", "2026-12-05"}},
       "is before schedule_start_date"},
      {{{"schedule_start_date", "2026-12-06"}, {"start_time_of_day", "24:00"}},
       "is not a time of day"},
      {{{"schedule_start_date", "2026-12-06"}, {"start_time_of_day", "2pm"}},
       "must be a time of day"},
      {{{"schedule_start_date", "2026-12-06"}, {"end_time_of_day", "10:00"}},
       "needs a schedule_end_date"},
      {{{"schedule_start_date", "2026-12-06"}, {"repeat_interval", "30m"}},
       "it must be at least 1 hour"},
      {{{"schedule_start_date", "2026-12-06"},
        {"schedule_end_date", "2026-12-07"},
        {"start_time_of_day", "10:00"},
        {"end_time_of_day", "09:00"},
        {"repeat_interval", "48h"}},
       ""},
      {{{"schedule_start_date", "2026-12-06"}, {"repeat_interval", "1h"}}, ""},
  };
  for (const Case& c : cases) {
    std::string error = ErrorOf(Job(c.schedule));
    if (c.expected.empty()) {
      EXPECT_EQ(error, "") << c.schedule.dump();
    } else {
      EXPECT_NE(error.find(c.expected), std::string::npos)
          << c.schedule.dump() << ": " << error << "\nexpected: " << c.expected;
    }
  }
}

// The Transfer Service starts a transfer at its start time; a weir run starts when its data
// interval ends: the generated DAG's intervals end at the service's start times.
TEST(TransferJobTest, TheScheduleMapsToTheDagsIntervals) {
  auto dag = [](const Json& schedule) {
    return JobDagScheduleOf(ParseTransferJob(Job(schedule)).value().schedule);
  };
  JobDagSchedule none = JobDagScheduleOf(std::nullopt);
  EXPECT_EQ(none.schedule, "");
  JobDagSchedule daily = dag({{"schedule_start_date", "2026-12-06"},
                              {"start_time_of_day", "02:30"},
                              {"schedule_end_date", "2026-12-31"},
                              {"end_time_of_day", "02:30"}});
  EXPECT_EQ(daily.schedule, "every 86400s");
  EXPECT_EQ(daily.start_date, "2026-12-05T02:30:00Z");  // the first run at 2026-12-06 02:30
  EXPECT_EQ(daily.end_date, "2026-12-30T02:30:00Z");    // the last at 2026-12-31 02:30
  JobDagSchedule at_midnight =
      dag({{"schedule_start_date", "2026-12-06"}, {"repeat_interval", "6h"}});
  EXPECT_EQ(at_midnight.schedule, "every 21600s");
  EXPECT_EQ(at_midnight.start_date, "2026-12-05T18:00:00Z");
  EXPECT_EQ(at_midnight.end_date, "");
  JobDagSchedule once = dag({{"schedule_start_date", "2026-12-06"},
                             {"schedule_end_date", "2026-12-06"},
                             {"start_time_of_day", "09:15"}});
  EXPECT_EQ(once.schedule, "@once");
  EXPECT_EQ(once.start_date, "2026-12-06T09:15:00Z");
}

TEST(TransferJobTest, SavedAsARecordAndAGeneratedDag) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  std::string dags = dir.Join("dags");
  TransferJob job = ParseTransferJob(Job({{"schedule_start_date", "2026-12-06"}})).value();
  ASSERT_TRUE(SaveTransferJob(dags, job, false).has_value());
  auto again = SaveTransferJob(dags, job, false);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
  EXPECT_TRUE(SaveTransferJob(dags, job, true).has_value());
  EXPECT_TRUE(std::filesystem::exists(dags + "/transfers/nightly_copy.job.json"));
  std::string yaml = TransferJobDagYaml(job);
  EXPECT_NE(yaml.find("dag_id: \"nightly_copy\"\n"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("schedule: \"every 86400s\"\n"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("    operator: \"transfer\"\n"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("    sink: \"gs://backup/raw/\"\n"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("catchup: false\n"), std::string::npos) << yaml;

  EXPECT_EQ(TransferJobJson(LoadTransferJob(dags, "nightly_copy").value()), TransferJobJson(job));
  EXPECT_EQ(ListTransferJobs(dags).value().size(), 1U);
  auto missing = LoadTransferJob(dags, "nightly_cpy");
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message.find("did you mean 'nightly_copy'"), std::string::npos)
      << missing.error().message;
  ASSERT_TRUE(DeleteTransferJob(dags, "nightly_copy").has_value());
  EXPECT_FALSE(std::filesystem::exists(dags + "/transfers/nightly_copy.yaml"));
  EXPECT_TRUE(ListTransferJobs(dags).value().empty());
  EXPECT_EQ(DeleteTransferJob(dags, "nightly_copy").error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace weir
