#include "transfer/plan.h"

#include <gtest/gtest.h>

namespace weir {
namespace {

const Time kStart = ParseDateTime("2021-03-01T12:00:00Z").value();

ObjectInfo Obj(std::string key, int64_t size, std::string md5 = "",
               Duration age = std::chrono::hours(48)) {
  ObjectInfo o;
  o.key = std::move(key);
  o.size = size;
  o.md5 = std::move(md5);
  o.modified = kStart - age;
  return o;
}

TransferSpec Spec(const Json& more = Json::object()) {
  Json fields = {{"source", "s3://src/"}, {"sink", "gs://dst/"}};
  for (const auto& [k, v] : more.items()) fields[k] = v;
  return ParseTransferSpec(fields).value();
}

// "key:action" for each item, in order.
std::vector<std::string> Actions(const TransferPlan& plan) {
  std::vector<std::string> out;
  out.reserve(plan.items.size());
  for (const TransferItem& i : plan.items) {
    out.push_back(i.key + ":" + std::string(TransferActionName(i.action)) +
                  (i.delete_source ? "+delete_source" : ""));
  }
  return out;
}

TEST(SameContent, SizeThenMd5ThenSha256) {
  std::string why;
  EXPECT_EQ(SameContent(Obj("a", 1, "aa"), Obj("a", 2, "aa"), &why), false);
  EXPECT_EQ(why, "size 2 -> 1");
  EXPECT_EQ(SameContent(Obj("a", 1, "aa"), Obj("a", 1, "aa"), &why), true);
  EXPECT_EQ(why, "same md5");
  EXPECT_EQ(SameContent(Obj("a", 1, "aa"), Obj("a", 1, "bb"), &why), false);
  EXPECT_EQ(why, "md5 differs");
  ObjectInfo s = Obj("a", 1), d = Obj("a", 1);
  s.sha256 = d.sha256 = "ff";
  EXPECT_EQ(SameContent(s, d, &why), true);
  EXPECT_EQ(why, "same sha256");
  // An md5 on one side and a sha256 on the other compare nothing.
  ObjectInfo m = Obj("a", 1, "aa");
  EXPECT_EQ(SameContent(m, d, &why), std::nullopt);
  EXPECT_EQ(why, "same size, no checksum listed");
}

TEST(PlanTransfer, CopiesWhatIsNewOrDifferentAndSkipsWhatIsTheSame) {
  std::vector<ObjectInfo> src = {Obj("new.csv", 10, "n1"), Obj("same.csv", 5, "s1"),
                                 Obj("changed.csv", 5, "c2"), Obj("grown.csv", 7, "g1"),
                                 Obj("unknown.csv", 3)};
  std::vector<ObjectInfo> dst = {Obj("same.csv", 5, "s1"), Obj("changed.csv", 5, "c1"),
                                 Obj("grown.csv", 6, "g1"), Obj("unknown.csv", 3),
                                 Obj("extra.csv", 4)};
  TransferPlan plan = PlanTransfer(Spec(), src, dst, kStart).value();
  EXPECT_EQ(Actions(plan),
            (std::vector<std::string>{"changed.csv:copy", "grown.csv:copy", "new.csv:copy",
                                      "same.csv:skip", "unknown.csv:check"}));
  EXPECT_EQ(plan.items[0].reason, "md5 differs");
  EXPECT_EQ(plan.items[1].reason, "size 6 -> 7");
  EXPECT_EQ(plan.items[2].reason, "new");
  EXPECT_EQ(plan.counters.objects_found_from_source, 4);
  EXPECT_EQ(plan.counters.bytes_found_from_source, 10 + 5 + 7 + 3);
  EXPECT_EQ(plan.counters.objects_from_source_skipped_by_sync, 1);
  EXPECT_EQ(plan.counters.bytes_from_source_skipped_by_sync, 5);
  EXPECT_EQ(plan.counters.objects_found_only_from_sink, 0);  // nothing deletes by default

  TransferPlan always =
      PlanTransfer(Spec({{"overwrite_when", "always"}}), src, dst, kStart).value();
  EXPECT_EQ(std::ranges::count_if(always.items,
                                  [](const auto& i) { return i.action == TransferAction::kCopy; }),
            5);
  TransferPlan never = PlanTransfer(Spec({{"overwrite_when", "never"}}), src, dst, kStart).value();
  EXPECT_EQ(Actions(never),
            (std::vector<std::string>{"changed.csv:skip", "grown.csv:skip", "new.csv:copy",
                                      "same.csv:skip", "unknown.csv:skip"}));
  EXPECT_EQ(never.items[0].reason, "in the sink (overwrite_when: never)");
}

// delete_objects_unique_in_sink deletes what only the sink has, among the sink objects the
// prefixes admit; a sink object whose source the conditions left out is not unique.
TEST(PlanTransfer, MirroringDeletesWhatOnlyTheSinkHasWithinThePrefixes) {
  std::vector<ObjectInfo> src = {Obj("logs/a", 1, "a"), Obj("logs/tmp/b", 1, "b")};
  std::vector<ObjectInfo> dst = {Obj("logs/a", 1, "a"), Obj("logs/old", 2, "o"),
                                 Obj("logs/tmp/b", 1, "b"), Obj("other/x", 3, "x")};
  TransferPlan plan = PlanTransfer(Spec({{"delete_objects_unique_in_sink", true},
                                         {"include_prefixes", {"logs/"}},
                                         {"exclude_prefixes", {"logs/tmp/"}}}),
                                   src, dst, kStart)
                          .value();
  EXPECT_EQ(Actions(plan), (std::vector<std::string>{"logs/a:skip", "logs/old:delete"}));
  EXPECT_EQ(plan.items[1].reason, "only in the sink");
  EXPECT_EQ(plan.counters.objects_found_only_from_sink, 1);
  EXPECT_EQ(plan.counters.bytes_found_only_from_sink, 2);
  EXPECT_EQ(plan.sink_considered, 2);
  EXPECT_EQ(plan.source_considered, 1);
}

// Moving deletes from the source what the sink now holds: copied or already the same, not
// what overwrite_when: never kept apart.
TEST(PlanTransfer, MovingMarksTheSourceForDeletion) {
  std::vector<ObjectInfo> src = {Obj("a", 1, "a"), Obj("b", 1, "b"), Obj("c", 1, "c")};
  std::vector<ObjectInfo> dst = {Obj("b", 1, "b"), Obj("c", 1, "other")};
  TransferSpec move = Spec({{"delete_objects_from_source_after_transfer", true}});
  EXPECT_EQ(Actions(PlanTransfer(move, src, dst, kStart).value()),
            (std::vector<std::string>{"a:copy+delete_source", "b:skip+delete_source",
                                      "c:copy+delete_source"}));
  move.overwrite_when = OverwriteWhen::kNever;
  EXPECT_EQ(Actions(PlanTransfer(move, src, dst, kStart).value()),
            (std::vector<std::string>{"a:copy+delete_source", "b:skip", "c:skip"}));
}

TEST(PlanTransfer, TimeConditionsSelectSourceObjectsOnly) {
  std::vector<ObjectInfo> src = {Obj("fresh", 1, "f", std::chrono::minutes(10)),
                                 Obj("day", 1, "d", std::chrono::hours(20)),
                                 Obj("old", 1, "o", std::chrono::hours(30))};
  ObjectInfo undated = Obj("undated", 1, "u");
  undated.modified = Time{};
  src.push_back(undated);
  TransferPlan plan = PlanTransfer(Spec({{"min_time_elapsed_since_last_modification", "1h"},
                                         {"max_time_elapsed_since_last_modification", "24h"}}),
                                   src, {}, kStart)
                          .value();
  EXPECT_EQ(Actions(plan), (std::vector<std::string>{"day:copy", "undated:copy"}));
}

TEST(PlanTransfer, AManifestNarrowsTheSourceAndNamesWhatIsMissing) {
  std::vector<ObjectInfo> src = {Obj("a", 1, "a"), Obj("b", 1, "b"), Obj("x/c", 1, "c")};
  TransferPlan plan = PlanTransfer(Spec({{"include_prefixes", {"a", "b", "gone"}}}), src, {},
                                   kStart, std::set<std::string>{"a", "x/c", "gone"})
                          .value();
  EXPECT_EQ(Actions(plan), (std::vector<std::string>{"a:copy", "gone:missing"}));
  EXPECT_EQ(plan.items[1].reason, "named by the manifest, not in the source");
}

// max_deletes refuses a plan that deletes more, by count or by share, before anything runs:
// the guard against a wrong source emptying the sink.
TEST(PlanTransfer, MaxDeletesRefusesBeforeAnythingChanges) {
  std::vector<ObjectInfo> dst;
  dst.reserve(10);
  for (int i = 0; i < 10; ++i) dst.push_back(Obj(fmt::format("k{}", i), 1, "m"));
  std::vector<ObjectInfo> src = {Obj("k0", 1, "m")};
  auto refused = PlanTransfer(
      Spec({{"delete_objects_unique_in_sink", true}, {"max_deletes", "50%"}}), src, dst, kStart);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(refused.error().message,
            "transfer: it would delete 9 objects from the sink gs://dst/ (90.0% of 10), more than "
            "max_deletes 50%; nothing was copied or deleted. Check the source and the "
            "conditions, or raise max_deletes");
  EXPECT_TRUE(PlanTransfer(Spec({{"delete_objects_unique_in_sink", true}, {"max_deletes", 9}}), src,
                           dst, kStart)
                  .has_value());
  EXPECT_FALSE(PlanTransfer(Spec({{"delete_objects_unique_in_sink", true}, {"max_deletes", 8}}),
                            src, dst, kStart)
                   .has_value());
  // A move counts the source objects it would delete.
  auto move =
      PlanTransfer(Spec({{"delete_objects_from_source_after_transfer", true}, {"max_deletes", 0}}),
                   dst, {}, kStart);
  ASSERT_FALSE(move.has_value());
  EXPECT_NE(move.error().message.find("would delete 10 objects from the source s3://src/"),
            std::string::npos);
}

// 10,000 objects on each side plan in well under a second: no quadratic lookups (a regression
// here shows as a timeout, not a timing assertion).
TEST(PlanTransfer, TenThousandObjectsEachSide) {
  std::vector<ObjectInfo> src, dst;
  src.reserve(10000);
  dst.reserve(10000);
  for (int i = 0; i < 10000; ++i) {
    src.push_back(Obj(fmt::format("k/{:05}", i), 16, "m"));
    dst.push_back(Obj(fmt::format("k/{:05}", i + 5000), 16, "m"));
  }
  TransferPlan plan =
      PlanTransfer(Spec({{"delete_objects_unique_in_sink", true}}), src, dst, kStart).value();
  EXPECT_EQ(plan.counters.objects_found_from_source, 5000);
  EXPECT_EQ(plan.counters.objects_from_source_skipped_by_sync, 5000);
  EXPECT_EQ(plan.counters.objects_found_only_from_sink, 5000);
  EXPECT_EQ(plan.items.size(), 15000u);
  EXPECT_TRUE(std::ranges::is_sorted(plan.items, {}, &TransferItem::key));
}

}  // namespace
}  // namespace weir
