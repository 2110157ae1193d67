#include "env/clock.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace weir {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

Time T0() { return ParseDateTime("2025-03-01T00:00:00Z").value(); }

// What a waiter waits on: a flag behind a mutex, as EventQueue's events are.
struct Inbox {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> items;  // GUARDED_BY(mu)

  void Post(std::string item) {
    {
      std::lock_guard lock(mu);
      items.push_back(std::move(item));
    }
    cv.notify_one();
  }
  bool Wait(const Clock& clock, std::optional<Time> deadline) {
    std::unique_lock lock(mu);
    return clock.WaitUntil(lock, cv, deadline, [&] { return !items.empty(); });
  }
};

TEST(FakeClock, AWaitWithNothingToWaitForJumpsToItsDeadline) {
  FakeClock clock(T0());
  Inbox inbox;
  EXPECT_FALSE(inbox.Wait(clock, T0() + minutes(5)));
  EXPECT_EQ(clock.Now(), T0() + minutes(5));
  // A deadline in the past ends the wait at once, and time does not go back.
  EXPECT_FALSE(inbox.Wait(clock, T0()));
  EXPECT_EQ(clock.Now(), T0() + minutes(5));
}

TEST(FakeClock, AWaitForWhatIsReadyLeavesTheTimeAlone) {
  FakeClock clock(T0());
  Inbox inbox;
  inbox.Post("x");
  EXPECT_TRUE(inbox.Wait(clock, T0() + minutes(5)));
  EXPECT_EQ(clock.Now(), T0());
}

TEST(FakeClock, TimersRunInOrderAtTheirTimeAndEndTheWaitTheyMakeReady) {
  FakeClock clock(T0());
  Inbox inbox;
  std::vector<std::string> ran;
  clock.At(T0() + minutes(3), [&] { ran.push_back("3m " + FormatIso(clock.Now())); });
  clock.At(T0() + minutes(1), [&] { ran.push_back("1m first"); });
  clock.At(T0() + minutes(1), [&] { ran.push_back("1m second"); });
  clock.At(T0() + minutes(2), [&] { inbox.Post("done"); });
  clock.At(T0() + minutes(4), [&] { ran.push_back("4m"); });
  EXPECT_TRUE(inbox.Wait(clock, T0() + minutes(10)));
  EXPECT_EQ(clock.Now(), T0() + minutes(2));
  EXPECT_EQ(ran, (std::vector<std::string>{"1m first", "1m second"}));
  EXPECT_EQ(clock.pending_timers(), 2u);
  // The next wait runs the timers before its deadline, and those due at it, then times out.
  inbox.items.clear();
  EXPECT_FALSE(inbox.Wait(clock, T0() + minutes(4)));
  EXPECT_EQ(clock.Now(), T0() + minutes(4));
  EXPECT_EQ(ran,
            (std::vector<std::string>{"1m first", "1m second", "3m 2025-03-01T00:03:00Z", "4m"}));
  EXPECT_EQ(clock.pending_timers(), 0u);
}

TEST(FakeClock, AWaitWithoutDeadlineRunsTheTimersItNeeds) {
  FakeClock clock(T0());
  Inbox inbox;
  clock.At(T0() + std::chrono::hours(24 * 365), [&] { inbox.Post("a year later"); });
  EXPECT_TRUE(inbox.Wait(clock, std::nullopt));
  EXPECT_EQ(clock.Now(), T0() + std::chrono::hours(24 * 365));
}

TEST(FakeClock, AWaitWithNeitherDeadlineNorTimerBlocksUntilAnotherThreadPosts) {
  FakeClock clock(T0());
  Inbox inbox;
  std::thread poster([&] { inbox.Post("from another thread"); });
  EXPECT_TRUE(inbox.Wait(clock, std::nullopt));
  poster.join();
  EXPECT_EQ(clock.Now(), T0());
}

TEST(SystemClock, WaitsUntilReadyOrThePassedDeadline) {
  SystemClock clock;
  Inbox inbox;
  EXPECT_FALSE(inbox.Wait(clock, clock.Now() - seconds(1)));
  std::thread poster([&] { inbox.Post("x"); });
  EXPECT_TRUE(inbox.Wait(clock, std::nullopt));
  poster.join();
}

}  // namespace
}  // namespace weir
