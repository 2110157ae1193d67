// ValidateConf: what a run's conf must be before the run is created (API 400, CLI exit 2).

#include "engine/actions.h"

#include <gtest/gtest.h>

namespace weir {
namespace {

DagSpec ParamsDag(bool strict) {
  DagSpec dag;
  dag.dag_id = "example_params";
  dag.strict_conf = strict;
  ParamSpec color;
  color.name = "color";
  color.has_default = true;
  color.default_value = "yellow";
  color.enum_values = {"yellow", "green"};
  ParamSpec label;
  label.name = "label";
  label.has_default = true;
  label.default_value = "";
  label.max_length = 40;
  dag.params = {color, label};
  return dag;
}

std::string Refusal(const DagSpec& dag, const Json& conf) {
  Status s = ValidateConf(dag, conf);
  return s ? "" : s.error().message;
}

TEST(ValidateConf, ALaxDagKeepsExtraKeysForDagRunConf) {
  // Airflow's habit: any key may be passed and read as dag_run.conf.
  EXPECT_EQ(Refusal(ParamsDag(false), {{"color", "green"}, {"anything", "$(id)"}}), "");
}

TEST(ValidateConf, AStrictDagRefusesKeysBeyondItsParamsNamingThem) {
  DagSpec dag = ParamsDag(true);
  EXPECT_EQ(Refusal(dag, {{"color", "green"}, {"label", "x"}}), "");
  EXPECT_EQ(Refusal(dag, {{"color", "green"}, {"cmd", "$(id)"}}),
            "conf key \"cmd\" is not a param of DAG 'example_params', which accepts only its "
            "params (strict_conf: true): color, label");
  Status s = ValidateConf(dag, {{"x\ny", 1}});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(s.error().message.find("\"x\\ny\""), std::string::npos) << s.error().message;
}

TEST(ValidateConf, ParamRulesAndShapeAreInvalidArguments) {
  DagSpec dag = ParamsDag(false);
  Status bad = ValidateConf(dag, {{"label", std::string(41, 'x')}});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.error().message.find("param 'label'"), std::string::npos);
  EXPECT_EQ(Refusal(dag, Json::array()), "conf must be a JSON object, got []");
}

}  // namespace
}  // namespace weir
