#include "transfer/spec.h"

#include <gtest/gtest.h>

namespace weir {
namespace {

Json Base() { return Json{{"source", "s3://src/raw/"}, {"sink", "gs://dst/"}}; }

// The error ParseTransferSpec gives for `fields`; "" when they are valid.
std::string ErrorOf(const Json& fields) {
  auto spec = ParseTransferSpec(fields);
  if (spec) return "";
  EXPECT_EQ(spec.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(spec.error().message.starts_with("transfer: ")) << spec.error().message;
  return spec.error().message;
}

Json With(Json fields, const Json& more) {
  for (const auto& [k, v] : more.items()) fields[k] = v;
  return fields;
}

void ExpectError(const Json& fields, std::string_view part) {
  std::string e = ErrorOf(fields);
  EXPECT_NE(e.find(part), std::string::npos)
      << "wanted '" << part << "' in: " << e << "\nfor " << fields.dump();
}

TEST(TransferSpec, DefaultsAreTheTransferServicesAndWeirs) {
  TransferSpec s = ParseTransferSpec(Base()).value();
  EXPECT_EQ(s.source, "s3://src/raw/");
  EXPECT_EQ(s.sink, "gs://dst/");
  EXPECT_EQ(s.overwrite_when, OverwriteWhen::kDifferent);
  EXPECT_FALSE(s.deletes());
  EXPECT_FALSE(s.dry_run);
  EXPECT_FALSE(s.max_deletes.has_value());
  EXPECT_EQ(s.parallelism, 16);
  EXPECT_EQ(s.bandwidth_limit, 0);
  EXPECT_EQ(s.max_failures, 0);
  // A bucket alone is its root folder.
  EXPECT_EQ(ParseTransferSpec(Json{{"source", "az://c"}, {"sink", "file:///tmp/out/"}})->source,
            "az://c/");
}

// The Transfer Service's JSON shape (nested, lowerCamelCase) reads the same as the flat form.
TEST(TransferSpec, NestedAndCamelCaseFieldsAreAccepted) {
  Json nested = {
      {"source", "s3://src/"},
      {"sink", "lake://copy/"},
      {"objectConditions",
       {{"includePrefixes", {"logs/"}}, {"minTimeElapsedSinceLastModification", "3600s"}}},
      {"transferOptions", {{"overwriteWhen", "NEVER"}}}};
  TransferSpec s = ParseTransferSpec(nested).value();
  EXPECT_EQ(s.object_conditions.include_prefixes, std::vector<std::string>{"logs/"});
  EXPECT_EQ(s.object_conditions.min_time_elapsed_since_last_modification, std::chrono::hours(1));
  EXPECT_EQ(s.overwrite_when, OverwriteWhen::kNever);
  // The JSON form reads back to the same spec.
  TransferSpec again = ParseTransferSpec(TransferSpecJson(s)).value();
  EXPECT_EQ(TransferSpecJson(again), TransferSpecJson(s));
}

TEST(TransferSpec, UnknownFieldsAreNamedWithASuggestion) {
  ExpectError(With(Base(), {{"overwrite_wen", "never"}}), "did you mean 'overwrite_when'");
  ExpectError(With(Base(), {{"object_conditions", {{"include_prefix", {"a"}}}}}),
              "object_conditions has no field 'include_prefix' (did you mean 'include_prefixes'");
  ExpectError(With(Base(), {{"object_conditions", {{"include_prefixes", {"a"}}}},
                            {"include_prefixes", {"b"}}}),
              "include_prefixes is given twice");
  ExpectError(Json::array(), "must be an object");
}

TEST(TransferSpec, SourceAndSinkMustBeFoldersOfStores) {
  ExpectError(Json{{"sink", "gs://d/"}}, "give a source");
  ExpectError(With(Base(), {{"url_list", "https://x/list.tsv"}}), "not both");
  ExpectError(Json{{"source", "s3://s/"}}, "a sink is required");
  ExpectError(With(Base(), {{"source", "s3://src/raw"}}),
              "source s3://src/raw must name a folder: its path must be empty or end in '/' "
              "(s3://src/raw/)");
  ExpectError(With(Base(), {{"sink", "file://relative/x/"}}), "needs an absolute path");
  ExpectError(With(Base(), {{"sink", "https://example.com/up/"}}), "cannot be written to");
  ExpectError(With(Base(), {{"source", "https://example.com/list.tsv"}}), "given as url_list");
  ExpectError(With(Base(), {{"source", "ftp://x/"}}), "is not a store");
  ExpectError(With(Base(), {{"source", "s3:///raw/"}}), "names no bucket");
  ExpectError(With(Base(), {{"source", "s3://b/../etc/"}}), "source s3://b/../etc/");
  // A transfer into itself, or into a folder of its own source, is refused.
  ExpectError(With(Base(), {{"sink", "s3://src/raw/copy/"}}), "overlap");
  ExpectError(With(Base(), {{"sink", "s3://src/"}}), "overlap");
  EXPECT_EQ(ErrorOf(With(Base(), {{"sink", "s3://src/other/"}})), "");
  // A URL list: an http(s) URL or a local file, and neither conditions nor a manifest.
  Json list = {{"url_list", "https://example.com/list.tsv"}, {"sink", "s3://d/"}};
  EXPECT_EQ(ErrorOf(list), "");
  ExpectError(With(list, {{"url_list", "list.tsv"}}), "url_list 'list.tsv' must name a file");
  ExpectError(With(Base(), {{"manifest", "s3://b/lists/"}}),
              "manifest 's3://b/lists/' must name a file");
  ExpectError(With(list, {{"include_prefixes", {"a"}}}), "do not apply to a url_list");
  ExpectError(With(list, {{"last_modified_since", "2021-01-01T00:00:00Z"}}),
              "do not apply to a url_list");
  ExpectError(With(list, {{"manifest", "/tmp/m.csv"}}), "a url_list is its own list");
  ExpectError(With(list, {{"delete_objects_from_source_after_transfer", true}}),
              "cannot delete from a url_list");
}

// Prefix rules, as the Transfer Service states them.
TEST(TransferSpec, PrefixesFollowTheTransferServicesRules) {
  ExpectError(With(Base(), {{"include_prefixes", {""}}}), "a prefix must not be empty");
  ExpectError(With(Base(), {{"include_prefixes", {"/logs"}}}),
              "prefix '/logs' must not start with '/' (prefixes are relative to the source's "
              "path: 'logs')");
  ExpectError(With(Base(), {{"exclude_prefixes", {"a\nb"}}}), "contains a line break");
  ExpectError(With(Base(), {{"include_prefixes", {std::string(1025, 'x')}}}), "at most 1024 bytes");
  EXPECT_EQ(ErrorOf(With(Base(), {{"include_prefixes", {std::string(1024, 'x')}}})), "");
  Json many = Json::array();
  for (int i = 0; i < 1001; ++i) many.push_back(fmt::format("p{:04}/", i));
  ExpectError(With(Base(), {{"exclude_prefixes", many}}), "has 1001 entries; the most is 1000");
  many.erase(many.size() - 1);
  EXPECT_EQ(ErrorOf(With(Base(), {{"exclude_prefixes", many}})), "");
  ExpectError(With(Base(), {{"include_prefixes", {"path_1/subpath_2", "path_1"}}}),
              "include_prefixes: 'path_1' is a prefix of 'path_1/subpath_2'");
  ExpectError(With(Base(), {{"exclude_prefixes", {"a", "ab"}}}), "'a' is a prefix of 'ab'");
  // With includes, every exclude lies inside one (the service's own example: include a,
  // excludes a/b, aaa and abc).
  EXPECT_EQ(ErrorOf(With(Base(), {{"include_prefixes", {"a"}},
                                  {"exclude_prefixes", {"a/b", "aaa", "abc"}}})),
            "");
  ExpectError(With(Base(), {{"include_prefixes", {"a"}}, {"exclude_prefixes", {"b/c"}}}),
              "exclude_prefixes: 'b/c' does not start with any include prefix");
  EXPECT_EQ(ErrorOf(With(Base(), {{"exclude_prefixes", {"b/c"}}})), "");
  ExpectError(With(Base(), {{"include_prefixes", "a"}}), "must be a list of text");
}

TEST(TransferSpec, TimeConditionsAreDurationsAndUtcTimes) {
  TransferSpec s =
      ParseTransferSpec(With(Base(), {{"min_time_elapsed_since_last_modification", "1h"},
                                      {"max_time_elapsed_since_last_modification", 86400},
                                      {"last_modified_since", "2021-01-01T00:00:00Z"},
                                      {"last_modified_before", "2021-02-01"}}))
          .value();
  EXPECT_EQ(s.object_conditions.max_time_elapsed_since_last_modification, std::chrono::hours(24));
  EXPECT_EQ(FormatIso(*s.object_conditions.last_modified_before), "2021-02-01T00:00:00Z");
  ExpectError(With(Base(), {{"min_time_elapsed_since_last_modification", "soon"}}),
              "min_time_elapsed_since_last_modification: ");
  ExpectError(With(Base(), {{"max_time_elapsed_since_last_modification", "-5s"}}),
              "max_time_elapsed_since_last_modification: bad duration '-5s'");
  ExpectError(With(Base(), {{"min_time_elapsed_since_last_modification", "2h"},
                            {"max_time_elapsed_since_last_modification", "1h"}}),
              "must be less than max_time_elapsed_since_last_modification");
  ExpectError(With(Base(), {{"last_modified_since", "2021-02-01T00:00:00Z"},
                            {"last_modified_before", "2021-01-01T00:00:00Z"}}),
              "last_modified_since (2021-02-01T00:00:00Z) must be before last_modified_before");
  ExpectError(With(Base(), {{"last_modified_since", 5}}), "RFC 3339");
}

TEST(TransferSpec, OptionsFollowTheTransferServicesRules) {
  EXPECT_EQ(ParseTransferSpec(With(Base(), {{"overwrite_objects_already_existing_in_sink", true}}))
                ->overwrite_when,
            OverwriteWhen::kAlways);
  // overwrite_when wins over the older switch; unspecified falls back to it.
  EXPECT_EQ(ParseTransferSpec(With(Base(), {{"overwrite_objects_already_existing_in_sink", true},
                                            {"overwrite_when", "different"}}))
                ->overwrite_when,
            OverwriteWhen::kDifferent);
  EXPECT_EQ(ParseTransferSpec(With(Base(), {{"overwrite_objects_already_existing_in_sink", true},
                                            {"overwrite_when", "OVERWRITE_WHEN_UNSPECIFIED"}}))
                ->overwrite_when,
            OverwriteWhen::kAlways);
  ExpectError(With(Base(), {{"overwrite_when", "sometimes"}}),
              "overwrite_when 'sometimes' is not one of different, never, always");
  ExpectError(With(Base(), {{"delete_objects_unique_in_sink", true},
                            {"delete_objects_from_source_after_transfer", true}}),
              "delete_objects_unique_in_sink and delete_objects_from_source_after_transfer are "
              "mutually exclusive");
  ExpectError(With(Base(), {{"delete_objects_unique_in_sink", true},
                            {"last_modified_since", "2021-01-01T00:00:00Z"}}),
              "delete_objects_unique_in_sink cannot be combined with time-based object "
              "conditions");
  // Prefixes do combine with it: they limit the sink objects considered as well.
  EXPECT_EQ(ErrorOf(With(Base(), {{"delete_objects_unique_in_sink", true},
                                  {"include_prefixes", {"2021/"}}})),
            "");
  ExpectError(With(Base(), {{"dry_run", "yes"}}), "dry_run must be true or false");
}

TEST(TransferSpec, WeirsAdditionsAreBounded) {
  TransferSpec s = ParseTransferSpec(With(Base(), {{"delete_objects_unique_in_sink", true},
                                                   {"max_deletes", "10%"},
                                                   {"parallelism", 4},
                                                   {"bandwidth_limit", "10MB/s"},
                                                   {"max_failures", "3"}}))
                       .value();
  EXPECT_EQ(s.max_deletes->percent, 10);
  EXPECT_EQ(s.max_deletes->count, -1);
  EXPECT_EQ(s.parallelism, 4);
  EXPECT_EQ(s.bandwidth_limit, 10'000'000);
  EXPECT_EQ(s.max_failures, 3);
  EXPECT_EQ(ParseTransferSpec(With(Base(), {{"max_deletes", 0}}))->max_deletes->count, 0);
  ExpectError(With(Base(), {{"max_deletes", "150%"}}), "percentage from 0% to 100%");
  ExpectError(With(Base(), {{"max_deletes", "-1"}}), "must be a count");
  ExpectError(With(Base(), {{"parallelism", 0}}), "parallelism must be from 1 to 64 (got 0)");
  ExpectError(With(Base(), {{"parallelism", 65}}), "parallelism must be from 1 to 64");
  ExpectError(With(Base(), {{"max_failures", -1}}), "max_failures must be from 0");
  ExpectError(With(Base(), {{"bandwidth_limit", "fast"}}), "bandwidth_limit: 'fast' is not a size");
}

TEST(TransferSpec, ByteCountsTakeDecimalAndBinaryUnits) {
  EXPECT_EQ(ParseByteCount("1048576").value(), 1048576);
  EXPECT_EQ(ParseByteCount("500KB").value(), 500'000);
  EXPECT_EQ(ParseByteCount("1.5GiB").value(), 1'610'612'736);
  EXPECT_EQ(ParseByteCount("10 mib/s").value(), 10 * 1048576);
  EXPECT_EQ(ParseByteCount("2k").value(), 2000);
  EXPECT_FALSE(ParseByteCount("").has_value());
  EXPECT_FALSE(ParseByteCount("10XB").has_value());
  EXPECT_FALSE(ParseByteCount("1e30").has_value());
}

// Conditions: prefixes literal and relative; times against the operation's start; an object
// without a modification time passes every time condition; min inclusive, max strict,
// since inclusive, before strict.
TEST(ObjectConditions, AdmitAsTheTransferServiceDoes) {
  ObjectConditions c;
  c.include_prefixes = {"logs/"};
  c.exclude_prefixes = {"logs/tmp"};
  Time start = ParseDateTime("2021-03-01T12:00:00Z").value();
  EXPECT_TRUE(c.Admits("logs/a.gz", std::nullopt, start));
  EXPECT_FALSE(c.Admits("logs/tmp/a.gz", std::nullopt, start));
  EXPECT_FALSE(c.Admits("logs/tmpfile", std::nullopt, start));
  EXPECT_FALSE(c.Admits("other/a.gz", std::nullopt, start));
  EXPECT_TRUE(c.AdmitsKey("logs/x"));

  ObjectConditions t;
  t.min_time_elapsed_since_last_modification = std::chrono::hours(1);
  t.max_time_elapsed_since_last_modification = std::chrono::hours(24);
  EXPECT_TRUE(t.Admits("k", start - std::chrono::hours(1), start));  // exactly min: in
  EXPECT_FALSE(t.Admits("k", start - std::chrono::minutes(59), start));
  EXPECT_FALSE(t.Admits("k", start - std::chrono::hours(24), start));  // exactly max: out
  EXPECT_TRUE(t.Admits("k", start - std::chrono::hours(23), start));
  EXPECT_TRUE(t.Admits("k", std::nullopt, start));
  EXPECT_TRUE(t.HasTimeConditions());

  ObjectConditions w;
  w.last_modified_since = ParseDateTime("2021-01-01T00:00:00Z").value();
  w.last_modified_before = ParseDateTime("2021-02-01T00:00:00Z").value();
  EXPECT_TRUE(w.Admits("k", w.last_modified_since, start));
  EXPECT_FALSE(w.Admits("k", w.last_modified_before, start));
  EXPECT_FALSE(w.Admits("k", *w.last_modified_since - std::chrono::seconds(1), start));
  EXPECT_TRUE(w.Admits("k", std::nullopt, start));
  EXPECT_FALSE(ObjectConditions().HasTimeConditions());
}

}  // namespace
}  // namespace weir
