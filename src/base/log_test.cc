#include "base/log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "base/json.h"

namespace weir {
namespace {

using ::testing::ElementsAre;
using ::testing::MatchesRegex;

// Captures the lines the process logs; restores stderr, info and text afterwards.
class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Log::RedirectForTest([this](std::string_view line) { lines_.emplace_back(line); });
  }
  void TearDown() override {
    Log::RedirectForTest(nullptr);
    Log::Configure(LogLevel::kInfo, LogFormat::kText);
  }

  std::vector<std::string> lines_;
};

TEST_F(LogTest, TextLinesReadAsWeirsLinesAlwaysHave) {
  Log::Configure(LogLevel::kInfo, LogFormat::kText);
  Log::Info("retention {}: removed {} finished runs with their logs", "90d", 3);
  Log::Warn("cannot remove {}: {}", "/x", "Permission denied");
  Log::Error("the metadata database does not accept writes: {}", "disk full");
  EXPECT_THAT(
      lines_,
      ElementsAre("weir: retention 90d: removed 3 finished runs with their logs\n",
                  "weir: warning: cannot remove /x: Permission denied\n",
                  "weir: ERROR: the metadata database does not accept writes: disk full\n"));
}

TEST_F(LogTest, LinesBelowTheLevelAreDropped) {
  Log::Configure(LogLevel::kInfo, LogFormat::kText);
  Log::Debug("not shown");
  EXPECT_FALSE(Log::Enabled(LogLevel::kDebug));
  EXPECT_TRUE(lines_.empty());

  Log::Configure(LogLevel::kDebug, LogFormat::kText);
  Log::Debug("planned {} runs", 2);
  EXPECT_THAT(lines_, ElementsAre("weir: debug: planned 2 runs\n"));

  lines_.clear();
  Log::Configure(LogLevel::kWarning, LogFormat::kText);
  Log::Info("not shown");
  Log::Warn("shown");
  Log::Configure(LogLevel::kError, LogFormat::kText);
  Log::Warn("not shown");
  Log::Error("shown too");
  EXPECT_THAT(lines_, ElementsAre("weir: warning: shown\n", "weir: ERROR: shown too\n"));
}

TEST_F(LogTest, JsonLinesAreOneObjectWithTimeLevelAndMessage) {
  Log::Configure(LogLevel::kInfo, LogFormat::kJson);
  Log::Warn("cannot remove {}: \"quoted\"\tand a\nnewline", "/x");
  Log::Info("bad UTF-8: {}", std::string("\xff\xfe"));
  ASSERT_EQ(lines_.size(), 2u);
  for (const std::string& line : lines_) {
    ASSERT_TRUE(line.ends_with("}\n")) << line;
    EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line each: " << line;
  }
  auto first = ParseJson(lines_[0], "a log line");
  ASSERT_TRUE(first.has_value()) << first.error().message;
  EXPECT_EQ(first->size(), 3u);
  EXPECT_EQ((*first)["level"], "warning");
  EXPECT_EQ((*first)["message"], "cannot remove /x: \"quoted\"\tand a\nnewline");
  EXPECT_THAT((*first)["time"].get<std::string>(),
              MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6}Z"));
  EXPECT_TRUE(lines_[0].starts_with("{\"time\":"))
      << "time first, for people reading: " << lines_[0];

  auto second = ParseJson(lines_[1], "a log line");
  ASSERT_TRUE(second.has_value()) << second.error().message;
  EXPECT_EQ((*second)["level"], "info");
  EXPECT_TRUE((*second)["message"].get<std::string>().starts_with("bad UTF-8: "));
}

TEST_F(LogTest, LinesFromManyThreadsStayWhole) {
  Log::Configure(LogLevel::kInfo, LogFormat::kText);
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < 100; ++i) Log::Info("thread {} line {}", t, i);
    });
  }
  for (auto& thread : threads) thread.join();
  ASSERT_EQ(lines_.size(), 400u);
  for (const std::string& line : lines_) {
    EXPECT_THAT(line, MatchesRegex("weir: thread [0-3] line [0-9]+\n"));
  }
}

TEST(LogSettings, ParseNamesAndRefuseOthers) {
  EXPECT_EQ(ParseLogLevel("debug").value(), LogLevel::kDebug);
  EXPECT_EQ(ParseLogLevel("info").value(), LogLevel::kInfo);
  EXPECT_EQ(ParseLogLevel("warning").value(), LogLevel::kWarning);
  EXPECT_EQ(ParseLogLevel("error").value(), LogLevel::kError);
  auto bad = ParseLogLevel("warn");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message, "log_level must be debug, info, warning or error, got 'warn'");
  EXPECT_EQ(ParseLogFormat("text").value(), LogFormat::kText);
  EXPECT_EQ(ParseLogFormat("json").value(), LogFormat::kJson);
  EXPECT_FALSE(ParseLogFormat("JSON").has_value());
}

}  // namespace
}  // namespace weir
