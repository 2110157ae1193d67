// The engine on its own: expressions, statements, filters, whitespace control, with a few
// plain names as globals (the Airflow context lives in model/).

#include <gtest/gtest.h>

#include "template/test_globals.h"

namespace weir::jinja {
namespace {

std::string Render(std::string_view source) {
  static const Json globals = {
      {"params", {{"color", "green"}, {"n", 3}, {"items", {"b", "a", "c", "a"}}, {"x", 1.0}}},
      {"ds", "2021-03-05"},
      {"run_id", "manual__1"}};
  return RenderWith(source, globals);
}

TEST(TemplateExpressions, LiteralsRenderLikePython) {
  EXPECT_EQ(Render("{{ 1 }} {{ 1.0 }} {{ 2.5 }} {{ true }} {{ False }} {{ none }}"),
            "1 1.0 2.5 True False None");
  EXPECT_EQ(Render("{{ [1, 'a', none] }} {{ params.x }}"), "[1, 'a', None] 1.0");
  EXPECT_EQ(Render("{{ 'it''s' }} {{ \"q\" }}"), "its q");
}

TEST(TemplateExpressions, ArithmeticFollowsPython) {
  EXPECT_EQ(Render("{{ 7 / 2 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 2 ** 10 }}"),
            "3.5 3 -4 2 1024");
  EXPECT_EQ(Render("{{ params.n * 2 + 1 }} {{ 'a' + 'b' }} {{ 'x' ~ 1 ~ none }}"), "7 ab x1None");
  EXPECT_EQ(Render("{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }}"), "7 9");
  std::string err = Render("{{ 'a' + 1 }}");
  EXPECT_NE(err.find("unsupported operand types for +: 'str' and 'int'"), std::string::npos);
}

TEST(TemplateExpressions, ComparisonsLogicAndConditionals) {
  EXPECT_EQ(Render("{{ params.n > 2 and params.color == 'green' }}"), "True");
  EXPECT_EQ(Render("{{ not params.n or 5 }} {{ 'ee' in params.color }} {{ 'z' not in 'abc' }}"),
            "5 True True");
  EXPECT_EQ(Render("{{ 'big' if params.n > 2 else 'small' }}"), "big");
  EXPECT_EQ(Render("{{ 'a' in params['items'] }} {{ 'n' in params }}"), "True True");
}

TEST(TemplateExpressions, MethodsAndSlices) {
  EXPECT_EQ(Render("{{ params.color.upper() }} {{ 'a,b'.split(',') }} {{ ds[:7] }}"),
            "GREEN ['a', 'b'] 2021-03");
  EXPECT_EQ(Render("{{ run_id.replace('__', '/') }} {{ '-'.join(['x', 'y']) }}"), "manual/1 x-y");
  EXPECT_EQ(Render("{{ params['items'][-1] }}"), "a");
}

TEST(TemplateStatements, IfElifElse) {
  const char* t = "{% if params.n > 5 %}big{% elif params.n > 2 %}mid{% else %}small{% endif %}";
  EXPECT_EQ(Render(t), "mid");
  EXPECT_EQ(Render("{% if params.missing is defined %}a{% else %}b{% endif %}"), "b");
}

TEST(TemplateStatements, ForLoopsBindNamesAndLoop) {
  EXPECT_EQ(Render("{% for x in params['items'] %}{{ loop.index }}{{ x }}{% endfor %}"),
            "1b2a3c4a");
  EXPECT_EQ(Render("{% for k, v in params.items() %}{{ k }}={{ v }};{% endfor %}"),
            "color=green;items=['b', 'a', 'c', 'a'];n=3;x=1.0;");
  EXPECT_EQ(Render("{% for i in range(3) %}{{ i }}{% if not loop.last %},{% endif %}{% endfor %}"),
            "0,1,2");
  EXPECT_EQ(Render("{% for x in [] %}x{% else %}empty{% endfor %}"), "empty");
  EXPECT_EQ(
      Render("{% for pair in [['a', 1]] %}{% for k in pair %}{{ k }}{% endfor %}{% endfor %}"),
      "a1");
}

TEST(TemplateStatements, ErrorsNameTheTagTheyAreIn) {
  EXPECT_EQ(Render("{% if false %}a{% elif params.colour %}b{% endif %}"),
            "ERROR: t: no key 'colour' in params in {% elif params.colour %} (did you mean "
            "'color'?)");
  EXPECT_EQ(Render("{% for x in params.n %}{% endfor %}"),
            "ERROR: t: cannot loop over a int in {% for x in params.n %}");
  EXPECT_EQ(Render("{% for x in [1] %}{{ x.y }}{% endfor %}"),
            "ERROR: t: x (int) has no attribute 'y' in {{ x.y }}");
}

TEST(TemplateStatements, WhitespaceControlCommentsAndRaw) {
  EXPECT_EQ(Render("a  {{- 'b' -}}  \n c"), "abc");
  EXPECT_EQ(Render("{% for x in [1, 2] -%}\n  {{ x }}\n{%- endfor %}"), "12");
  EXPECT_EQ(Render("a {# note {{ x }} #}b {#- trim -#} c"), "a bc");
  EXPECT_EQ(Render("{% raw %}{{ ds }}{% endraw %} {{ ds }}"), "{{ ds }} 2021-03-05");
  EXPECT_EQ(Render("json {\"a\": 1} stays\n"), "json {\"a\": 1} stays\n");
}

TEST(TemplateFilters, StringFilters) {
  EXPECT_EQ(Render("{{ 'hello world' | title }} {{ 'hELLO' | capitalize }} {{ 'Ab' | lower }}"),
            "Hello World Hello ab");
  EXPECT_EQ(Render("{{ '  x ' | trim }}|{{ 'a-b-c' | replace('-', '_') }}"), "x|a_b_c");
  EXPECT_EQ(Render("{{ 'a very long sentence here' | truncate(12, leeway=0) }}"), "a very...");
  EXPECT_EQ(
      Render("{{ 'a b&c' | urlencode }} {{ '/x/y/z.csv' | basename }} {{ '/x/y/z' | dirname }}"),
      "a%20b%26c z.csv /x/y");
}

TEST(TemplateFilters, NumberFilters) {
  EXPECT_EQ(Render("{{ '42' | int + 1 }} {{ '2.5' | float }} {{ 2.567 | round(2) }}"),
            "43 2.5 2.57");
  EXPECT_EQ(Render("{{ 2.5 | round }} {{ -3 | abs }} {{ 'x' | int(7) }}"), "3.0 3 7");
  std::string err = Render("{{ 'abc' | int }}");
  EXPECT_NE(err.find("filter 'int': int: cannot convert 'abc' to int"), std::string::npos) << err;
}

TEST(TemplateFilters, ListFilters) {
  EXPECT_EQ(Render("{{ params['items'] | length }} {{ params['items'] | count }}"), "4 4");
  EXPECT_EQ(Render("{{ params['items'] | sort | join('') }} {{ params['items'] | unique | list }}"),
            "aabc ['b', 'a', 'c']");
  EXPECT_EQ(Render("{{ params['items'] | first }}{{ params['items'] | last }}"), "ba");
  EXPECT_EQ(Render("{{ [3, 1, 2] | min }} {{ [3, 1, 2] | max }} {{ [3, 1, 2] | sum }}"), "1 3 6");
}

TEST(TemplateFilters, JsonFilters) {
  EXPECT_EQ(Render("{{ params | tojson }}"),
            R"({"color": "green", "items": ["b", "a", "c", "a"], "n": 3, "x": 1.0})");
  EXPECT_EQ(Render("{{ ('{\"a\": {\"b\": 2}}' | fromjson).a.b }}"), "2");
}

}  // namespace
}  // namespace weir::jinja
