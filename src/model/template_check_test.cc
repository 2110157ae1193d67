// The DAG side of templates: load-time checks (CheckTemplate) and rendering a task's
// arguments (RenderArgs).

#include <gtest/gtest.h>

#include "model/template.h"

namespace weir {
namespace {

TemplateContext Context() {
  TemplateContext ctx;
  ctx.logical_date = *ParseDateTime("2021-03-05T00:00");
  ctx.run_id = "manual__1";
  ctx.task_id = "t";
  ctx.params = {{"color", "green"}, {"n", 3}, {"items", {"b", "a", "c", "a"}}, {"x", 1.0}};
  return ctx;
}

TEST(TemplateCheck, AcceptsKnownNamesAndLoopVariables) {
  EXPECT_TRUE(CheckTemplate(
      "{{ ds }} {{ params.color }} {% for t in dag.tags %}{{ t }}{% endfor %}", {"color"}, "w"));
  auto t = Template::Parse(
      "{{ params.color }}{{ params['size'] }}{{ ds }}{% for p in x %}{{ p }}"
      "{% endfor %}",
      "w");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->ReferencedNames(), (std::vector<std::string>{"params", "ds", "x"}));
  EXPECT_EQ(t->ReferencedParams(), (std::vector<std::string>{"color", "size"}));
  EXPECT_FALSE(t->is_literal());
  EXPECT_TRUE(Template::Parse("plain text", "w")->is_literal());
}

TEST(TemplateCheck, RejectsUnknownNamesAndParams) {
  auto s = CheckTemplate("x {{ params.colr }}", {"color", "size"}, "dags/t.yaml:3:5");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message,
            "dags/t.yaml:3:5: unknown param 'colr' in {{ params.colr }} (did you mean 'color'?) "
            "(declared: color, size)");
  s = CheckTemplate("{{ params['x'] }}", {}, "w");
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("the DAG declares no params"), std::string::npos);
  s = CheckTemplate("{% for t in dag.tags %}{% endfor %}{{ t }}", {}, "w");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message, "w: unknown name 't' in {{ t }} (did you mean 'ts'?)");
  s = CheckTemplate("{{ ds | nope }}", {}, "w");
  EXPECT_FALSE(s);
}

TEST(TemplateRenderArgs, RendersStringsInNestedJsonWithPaths) {
  Json args = {{"url", "{{ params.color }}/{{ ds }}"},
               {"env", {{"DATE", "{{ ds_nodash }}"}, {"{{ key }}", "plain"}}},
               {"cmd", {"echo", "{{ params.n }}", 5, true}}};
  auto out = RenderArgs(args, Context(), "task 't'");
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ((*out)["url"], "green/2021-03-05");
  EXPECT_EQ((*out)["env"]["DATE"], "20210305");
  EXPECT_EQ((*out)["env"]["{{ key }}"], "plain");
  EXPECT_EQ((*out)["cmd"], Json({"echo", "3", 5, true}));

  Json bad = {{"env", {{"DATE", "{{ ds_nodsh }}"}}}};
  auto err = RenderArgs(bad, Context(), "task 't'");
  ASSERT_FALSE(err);
  EXPECT_EQ(err.error().message,
            "task 't' arg 'env.DATE': unknown name 'ds_nodsh' in {{ ds_nodsh }} (did you mean "
            "'ds_nodash'?)");
}

}  // namespace
}  // namespace weir
