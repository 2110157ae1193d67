// Typed params: the rules a DAG file declares (param_loader.cc) and the check of a run's
// values against them (param_check.cc, DagSpec::ResolveParams).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "model/loader_test_util.h"

namespace weir {
namespace {

using ::testing::HasSubstr;
using ::weir::testing::LoadError;
using ::weir::testing::Parse;

DagSpec Dag(std::string_view params) {
  auto dag = Parse("dag_id: d\nparams:\n" + std::string(params) + "tasks: []\n");
  EXPECT_TRUE(dag.has_value()) << dag.error().message;
  return dag.has_value() ? *dag : DagSpec{};
}

// The error ResolveParams gives for `conf`, or "" when it accepts it.
std::string Refusal(const DagSpec& dag, const Json& conf) {
  auto r = dag.ResolveParams(conf);
  return r ? "" : r.error().message;
}

TEST(ParamRules, StringRulesAreReadInBothSpellings) {
  DagSpec dag =
      Dag("  region: {type: string, default: eu, pattern: '^[a-z]{2}$', min_length: 2, "
          "max_length: 2}\n"
          "  note: {type: string, default: '', minLength: 0, maxLength: 200}\n");
  EXPECT_EQ(dag.params[0].pattern, "^[a-z]{2}$");
  EXPECT_EQ(dag.params[0].min_length, 2);
  EXPECT_EQ(dag.params[0].max_length, 2);
  EXPECT_EQ(dag.params[1].min_length, 0);
  EXPECT_EQ(dag.params[1].max_length, 200);
}

TEST(ParamRules, BadRulesAreLoadErrors) {
  EXPECT_THAT(LoadError("params:\n  n: {type: integer, default: 1, pattern: '^1$'}\ntasks: []\n"),
              HasSubstr("'pattern' of param 'n' applies to strings, not to type integer"));
  EXPECT_THAT(LoadError("params:\n  s: {type: string, pattern: '(['}\ntasks: []\n"),
              HasSubstr("pattern of param 's' is not a valid regular expression"));
  EXPECT_THAT(LoadError("params:\n  s: {type: string, pattern: '(a)\\1'}\ntasks: []\n"),
              HasSubstr("back-references"));
  EXPECT_THAT(LoadError("params:\n  s: {type: string, max_length: -1}\ntasks: []\n"),
              HasSubstr("'max_length' of param 's' must be a whole number, 0 or more"));
  EXPECT_THAT(
      LoadError("params:\n  s: {type: string, default: 'a b', pattern: '^[a-z]+$'}\ntasks: []\n"),
      HasSubstr("default \"a b\" of param 's' breaks its rules: it must match the pattern"));
}

TEST(ParamRules, EachRuleIsNamedWhenAValueBreaksIt) {
  DagSpec dag =
      Dag("  color: {type: string, default: yellow, enum: [yellow, green]}\n"
          "  months: {type: integer, default: 1, minimum: 1, maximum: 12}\n"
          "  label: {type: string, default: x, pattern: '^[A-Za-z0-9 _-]*$', max_length: 8}\n"
          "  dry_run: false\n");
  EXPECT_EQ(Refusal(dag, Json::object()), "");
  EXPECT_EQ(Refusal(dag, {{"color", "purple"}}),
            "param 'color' of DAG 'd' must be one of \"yellow\", \"green\", got \"purple\"");
  EXPECT_EQ(Refusal(dag, {{"months", 13}}),
            "param 'months' of DAG 'd' must be <= 12 (maximum), got 13");
  EXPECT_EQ(Refusal(dag, {{"months", "3; id"}}),
            "param 'months' of DAG 'd' must be of type integer, got \"3; id\"");
  EXPECT_EQ(Refusal(dag, {{"months", "3"}}), "");  // a number as text, from the command line
  EXPECT_EQ(Refusal(dag, {{"label", "$(id)"}}),
            "param 'label' of DAG 'd' must match the pattern \"^[A-Za-z0-9 _-]*$\", got \"$(id)\"");
  EXPECT_EQ(Refusal(dag, {{"label", "123456789"}}),
            "param 'label' of DAG 'd' must be at most 8 characters long (max_length), got "
            "\"123456789\"");
  EXPECT_EQ(Refusal(dag, {{"label", "ok\nid"}}),
            "param 'label' of DAG 'd' must match the pattern \"^[A-Za-z0-9 _-]*$\", got "
            "\"ok\\nid\"");
  EXPECT_EQ(Refusal(dag, {{"dry_run", "yes"}}),
            "param 'dry_run' of DAG 'd' must be of type boolean, got \"yes\"");
  // Lengths count characters, not bytes.
  EXPECT_EQ(
      Refusal(dag, {{"label", "äöüäöüäö"}}),
      "param 'label' of DAG 'd' must match the pattern \"^[A-Za-z0-9 _-]*$\", got \"äöüäöüäö\"");
}

TEST(ParamRules, LengthsCountCharacters) {
  DagSpec dag = Dag("  s: {type: string, default: a, max_length: 3}\n");
  EXPECT_EQ(Refusal(dag, {{"s", "äöü"}}), "");
  EXPECT_THAT(Refusal(dag, {{"s", "äöüx"}}), HasSubstr("at most 3 characters"));
}

TEST(ParamRules, NullOnlyWhereTheDefaultIsNull) {
  DagSpec dag = Dag("  s: {type: string, default: a}\n  maybe: {type: string, default: null}\n");
  EXPECT_EQ(Refusal(dag, {{"s", nullptr}}),
            "param 's' of DAG 'd' must be of type string, got null");
  EXPECT_EQ(Refusal(dag, {{"maybe", nullptr}}), "");
}

TEST(ParamRules, ALongValueIsRefusedBeforeThePatternRuns) {
  // std::regex's default matcher recurses per character: 20,000 characters overflowed an 8 MB
  // stack (the scheduler's, the API server's). Patterns run in linear mode, and a value
  // longer than 16 KiB is refused before any pattern runs.
  DagSpec dag = Dag("  s: {type: string, default: a, pattern: '^(a|b)*$'}\n");
  EXPECT_EQ(Refusal(dag, {{"s", std::string(16 * 1024, 'a')}}), "");
  EXPECT_THAT(Refusal(dag, {{"s", std::string(16 * 1024 + 1, 'a')}}),
              HasSubstr("must be at most 16384 bytes long to be checked against its pattern"));
  // A pattern that backtracks exponentially is linear here.
  DagSpec slow = Dag("  s: {type: string, default: b, pattern: '(a|aa)*b'}\n");
  EXPECT_THAT(Refusal(slow, {{"s", std::string(16 * 1024, 'a')}}), HasSubstr("must match"));
}

TEST(ParamRules, PatternIsSearchedAsInJsonSchema) {
  // Not anchored, as JSON Schema and Airflow's Param: ^ and $ make it match the whole value.
  DagSpec dag = Dag("  s: {type: string, default: a1, pattern: '[0-9]'}\n");
  EXPECT_EQ(Refusal(dag, {{"s", "x1; id"}}), "");
  EXPECT_THAT(Refusal(dag, {{"s", "xy"}}), HasSubstr("must match the pattern"));
}

TEST(ParamRules, StrictConfIsADagSetting) {
  auto dag = Parse("dag_id: d\nstrict_conf: true\ntasks: []\n");
  ASSERT_TRUE(dag.has_value()) << dag.error().message;
  EXPECT_TRUE(dag->strict_conf);
  auto lax = Parse("dag_id: d\ntasks: []\n");
  EXPECT_FALSE(lax->strict_conf);
}

}  // namespace
}  // namespace weir
