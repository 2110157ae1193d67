#include "base/time.h"

#include <gtest/gtest.h>

#include <date/date.h>

namespace weir {
namespace {

TEST(Time, ParsesDatesAsWallTimeInTheZone) {
  auto utc = ParseDateTime("2021-01-01").value();
  EXPECT_EQ(FormatIso(utc), "2021-01-01T00:00:00Z");
  auto ny = FindZone("America/New_York").value();
  EXPECT_EQ(FormatIso(ParseDateTime("2021-01-01", ny).value()), "2021-01-01T05:00:00Z");
  EXPECT_EQ(FormatIso(ParseDateTime("2021-07-01T06:30", ny).value()), "2021-07-01T10:30:00Z");
  EXPECT_EQ(FormatIso(ParseDateTime("2021-07-01T06:30:00+02:00").value()), "2021-07-01T04:30:00Z");
  EXPECT_EQ(FormatIso(ParseDateTime("2021-07-01T06:30:00.25Z").value()),
            "2021-07-01T06:30:00.250000Z");
}

TEST(Time, FormatIsoAgreesWithDateFormatBeforeAndAfterTheEpoch) {
  EXPECT_EQ(FormatIso(Time{}), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatIso(ParseDateTime("2024-02-29T23:59:59Z").value()), "2024-02-29T23:59:59Z");
  EXPECT_EQ(FormatIso(FromMicros(-1)), "1969-12-31T23:59:59.999999Z");
  // Every 37 hours and some microseconds from 1900 to 2200, against the slow reference.
  Time from = ParseDateTime("1900-01-01").value();
  Time to = ParseDateTime("2200-01-01").value();
  Micros step = std::chrono::hours(37) + Micros(1'234'567);
  for (Time t = from; t < to; t += step) {
    auto secs = std::chrono::floor<std::chrono::seconds>(t);
    auto frac = (t - secs).count();
    std::string want = date::format("%Y-%m-%dT%H:%M:%S", secs);
    if (frac != 0) want += fmt::format(".{:06}", frac);
    ASSERT_EQ(FormatIso(t), want + "Z");
  }
}

TEST(Time, WallTimeInADstGapMovesForward) {
  auto ny = FindZone("America/New_York").value();
  // 2021-03-14 02:30 does not exist in New York; it is taken as 03:30 EDT = 07:30 UTC.
  EXPECT_EQ(FormatIso(ParseDateTime("2021-03-14T02:30", ny).value()), "2021-03-14T07:30:00Z");
  // 2021-11-07 01:30 happens twice; the earlier (EDT, -4) is taken.
  EXPECT_EQ(FormatIso(ParseDateTime("2021-11-07T01:30", ny).value()), "2021-11-07T05:30:00Z");
}

TEST(Time, RejectsBadDatesWithTheValidForm) {
  auto r = ParseDateTime("2021-13-01");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("2021-13-01"), std::string::npos);
  EXPECT_FALSE(ParseDateTime("yesterday").has_value());
  EXPECT_FALSE(ParseDateTime("2021-02-30").has_value());
}

TEST(Time, UnknownZoneIsAnError) {
  auto r = FindZone("Mars/Olympus");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("Mars/Olympus"), std::string::npos);
}

TEST(Time, FormatsWithStrftimeInTheZone) {
  auto t = ParseDateTime("2021-03-05T14:07:09Z").value();
  EXPECT_EQ(FormatTime(t, "%Y-%m"), "2021-03");
  EXPECT_EQ(FormatTime(t, "%Y%m%d %H:%M:%S"), "20210305 14:07:09");
  auto berlin = FindZone("Europe/Berlin").value();
  EXPECT_EQ(FormatTime(t, "%H:%M %z %Z", berlin), "15:07 +0100 CET");
  EXPECT_EQ(FormatIsoOffset(t, berlin), "2021-03-05T15:07:09+01:00");
  EXPECT_EQ(FormatTime(t, "100%%"), "100%");
}

TEST(Time, ParsesDurationsInEveryForm) {
  using std::chrono::seconds;
  EXPECT_EQ(ParseDuration("30s").value(), seconds{30});
  EXPECT_EQ(ParseDuration("5m").value(), seconds{300});
  EXPECT_EQ(ParseDuration("1h30m").value(), seconds{5400});
  EXPECT_EQ(ParseDuration("2d").value(), seconds{172800});
  EXPECT_EQ(ParseDuration("1w").value(), seconds{604800});
  EXPECT_EQ(ParseDuration("500ms").value(), std::chrono::milliseconds{500});
  EXPECT_EQ(ParseDuration("90").value(), seconds{90});
  EXPECT_EQ(ParseDuration("PT1H30M").value(), seconds{5400});
  EXPECT_EQ(ParseDuration("01:00:30").value(), seconds{3630});
  EXPECT_EQ(ParseDuration("1 hour").value(), seconds{3600});
  auto bad = ParseDuration("10 parsecs");
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("10 parsecs"), std::string::npos);
  EXPECT_FALSE(ParseDuration("").has_value());
  EXPECT_FALSE(ParseDuration("-5s").has_value());
}

TEST(Time, FormatsDurationsForPeople) {
  using std::chrono::seconds;
  EXPECT_EQ(FormatDuration(seconds{5400}), "1h 30m");
  EXPECT_EQ(FormatDuration(std::chrono::milliseconds{350}), "350ms");
  EXPECT_EQ(FormatDuration(std::chrono::milliseconds{1200}), "1.2s");
}

}  // namespace
}  // namespace weir
