// The limits on one YAML text: size, nesting depth, and nodes counted with aliases expanded.

#include "model/yaml_limits.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "model/loader_test_util.h"
#include "model/yaml_reader.h"

namespace weir {
namespace {

using ::testing::HasSubstr;

// The first document of `text`, converted to JSON.
Json ToJson(const std::string& text) {
  auto tree = ParseYaml(text, "x.yaml");
  EXPECT_TRUE(tree.has_value()) << tree.error().message;
  return tree ? YamlReader::ToJson(tree->document(0)) : Json();
}

// "Billion laughs": `levels` lists of ten aliases to the list before, 10^(levels+1) values.
std::string Laughs(int levels) {
  std::string text = "dag_id: laughs\ntasks: [{task_id: t, operator: bash, command: echo}]\n";
  text += "params:\n  x0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (int i = 1; i <= levels; ++i) {
    text += fmt::format("  x{}: &a{} [", i, i);
    for (int j = 0; j < 10; ++j) text += fmt::format("{}*a{}", j == 0 ? "" : ", ", i - 1);
    text += "]\n";
  }
  return text;
}

// `n` anchors, each a list holding an alias to the one before: nested n deep once expanded.
std::string Chain(int n) {
  std::string text = "dag_id: chain\ntasks: [{task_id: t, operator: bash, command: echo}]\n";
  text += "params:\n  a0: &a0 [x]\n";
  for (int i = 1; i < n; ++i) text += fmt::format("  a{}: &a{} [*a{}]\n", i, i, i - 1);
  return text;
}

TEST(YamlLimits, AcceptsOrdinaryAliasesAndMergeKeys) {
  const std::string yaml = R"(defaults: &d {retries: 2, owner: data}
a: {<<: *d, task_id: a}
b: {<<: *d, task_id: b}
list: [*d, *d, *d]
)";
  EXPECT_TRUE(CheckYamlLimits(yaml, "x.yaml").has_value());
  EXPECT_TRUE(CheckYamlLimits(Laughs(2), "x.yaml").has_value());  // 1,000 values
}

TEST(YamlLimits, RefusesBillionLaughsNamingTheLimit) {
  std::string yaml = Laughs(6);  // 10^7 values from about 500 bytes
  ASSERT_LT(yaml.size(), 600u);
  auto status = CheckYamlLimits(yaml, "dags/laughs.yaml");
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(status.error().message, HasSubstr("dags/laughs.yaml:"));
  EXPECT_THAT(status.error().message, HasSubstr("more than 200000 YAML values"));
}

TEST(YamlLimits, RefusesDeepNestingThroughAliases) {
  auto status = CheckYamlLimits(Chain(100), "c.yaml");
  ASSERT_FALSE(status.has_value());
  EXPECT_THAT(status.error().message, HasSubstr("nested more than 64 deep"));
  EXPECT_TRUE(CheckYamlLimits(Chain(50), "c.yaml").has_value());
}

TEST(YamlLimits, RefusesDeepNestingWithoutAliases) {
  std::string yaml = "x: " + std::string(100, '[') + std::string(100, ']') + "\n";
  auto status = CheckYamlLimits(yaml, "n.yaml");
  ASSERT_FALSE(status.has_value());
  EXPECT_THAT(status.error().message, HasSubstr("n.yaml:1:"));
  EXPECT_THAT(status.error().message, HasSubstr("nested more than 64 deep"));
}

TEST(YamlLimits, RefusesALargeFile) {
  std::string yaml = "x: '" + std::string(2 << 20, 'a') + "'\n";
  auto status = CheckYamlLimits(yaml, "big.yaml");
  ASSERT_FALSE(status.has_value());
  EXPECT_THAT(status.error().message, HasSubstr("at most 1048576 bytes"));
}

TEST(YamlLimits, LimitsAreSettable) {
  YamlLimits small{.max_bytes = 1 << 20, .max_depth = 3, .max_nodes = 10};
  EXPECT_FALSE(CheckYamlLimits("a: [[[x]]]\n", "s.yaml", small).has_value());
  EXPECT_FALSE(CheckYamlLimits("a: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n", "s.yaml", small));
  EXPECT_TRUE(CheckYamlLimits("a: [[x]]\n", "s.yaml", small).has_value());
}

TEST(YamlLimits, LeavesSyntaxErrorsToTheParser) {
  EXPECT_TRUE(CheckYamlLimits("a: [1, 2\n", "s.yaml").has_value());
  EXPECT_TRUE(CheckYamlLimits("a: *missing\n", "s.yaml").has_value());
}

// The whole loader: the attacks of issue 10 are import errors, quickly and in little memory.
TEST(YamlLimits, ParseDagRefusesBothAttacks) {
  auto laughs = ParseDag(Laughs(6), "dags/laughs.yaml", testing::FakeOperators());
  ASSERT_FALSE(laughs.has_value());
  EXPECT_THAT(laughs.error().message, HasSubstr("aliases"));
  auto chain = ParseDag(Chain(20000), "dags/chain.yaml", testing::FakeOperators());
  ASSERT_FALSE(chain.has_value());
  EXPECT_THAT(chain.error().message, HasSubstr("nested more than 64 deep"));
}

// Scalars that are within every limit but used to crash the conversion to JSON: a long run of
// digits overflowed std::regex's recursion, and 1e400 threw from std::stod.
TEST(YamlToJson, HugeNumbersAreTextAndNeverCrash) {
  std::string digits(50000, '1');
  Json long_number = ToJson("x: " + digits)["x"];
  EXPECT_EQ(long_number, digits);
  EXPECT_EQ(ToJson("x: 1e400")["x"], "1e400");
  auto dag = ParseDag("dag_id: n\ntasks: []\nparams:\n  a: " + digits + "\n  b: 1e400\n", "n.yaml",
                      testing::FakeOperators());
  EXPECT_TRUE(dag.has_value() || !dag.error().message.empty());
}

TEST(YamlToJson, PlainFloatsStillConvert) {
  Json j = ToJson("[1.5, -2e3, .5, 5., +1.0, 1E2, 3, 1.2.3, e5, '1.5']");
  EXPECT_EQ(j, Json::parse(R"([1.5, -2000.0, 0.5, 5.0, 1.0, 100.0, 3, "1.2.3", "e5", "1.5"])"));
}

}  // namespace
}  // namespace weir
