#include "model/template.h"

#include <gtest/gtest.h>

#include "model/dag.h"

namespace weir {
namespace {

const DagSpec& TaxiDag() {
  static const auto* dag = [] {
    auto* d = new DagSpec;
    d->dag_id = "yellow_taxi";
    d->tags = {"nyc-tlc", "raw"};
    d->owner = "data-eng";
    TaskSpec download;
    download.task_id = "download";
    download.operator_name = "http_download";
    download.retries = 3;
    d->tasks.push_back(download);
    return d;
  }();
  return *dag;
}

// A run of TaxiDag for logical date 2021-03-05T00:00 wall time in `zone` (UTC when null).
TemplateContext RunContext(const char* zone = nullptr) {
  TemplateContext ctx;
  ctx.zone = zone ? *FindZone(zone) : nullptr;
  ctx.dag = &TaxiDag();
  ctx.logical_date = *ParseDateTime("2021-03-05T00:00", ctx.zone);
  ctx.data_interval_start = ctx.logical_date;
  ctx.data_interval_end = *ParseDateTime("2021-03-06T00:00", ctx.zone);
  ctx.prev_data_interval_start_success = *ParseDateTime("2021-03-04T00:00", ctx.zone);
  ctx.run_id = "scheduled__2021-03-05T00:00:00+00:00";
  ctx.run_type = "scheduled";
  ctx.task_id = "download";
  ctx.try_number = 2;
  ctx.params = {{"color", "yellow"}, {"cfg", {{"x", 3}, {"names", {"a", "b"}}}}};
  ctx.conf = {{"limit", 10}};
  ctx.xcom_pull = [](std::string_view task, std::string_view key) -> Result<Json> {
    if (task == "download" && key == "return_value") {
      return Json{{"path", "/data/yellow_2021-03.csv.gz"}, {"rows", 12}};
    }
    if (task == "download" && key == "size") return Json(2048);
    return Err(ErrorCode::kNotFound, "no XCom '{}' for task '{}'", key, task);
  };
  ctx.variable = [](std::string_view key) -> Result<std::string> {
    if (key == "tlc_base") return std::string("https://d37ci6vzurychx.cloudfront.net");
    if (key == "lake") return std::string(R"({"bucket": "raw", "zones": ["eu", "us"]})");
    if (key == "broken") return std::string(R"({"password": "hunter2 and no end)");
    return Err(ErrorCode::kNotFound, "no variable named '{}'", key);
  };
  ctx.connection = [](std::string_view id) -> Result<Json> {
    if (id == "warehouse") return Json{{"host", "db.internal"}, {"port", 5432}, {"login", "etl"}};
    return Err(ErrorCode::kNotFound, "no connection '{}'", id);
  };
  return ctx;
}

// Renders `source`; on failure returns "ERROR: <message>" so expectations show the message.
std::string Render(std::string_view source, const TemplateContext& ctx = RunContext()) {
  auto t = Template::Parse(source, "dags/t.yaml:12:10 task 'download' arg 'url'");
  if (!t) return "ERROR: " + t.error().message;
  auto out = t->Render(ctx);
  if (!out) return "ERROR: " + out.error().message;
  return *out;
}

TEST(TemplateContextNames, DatesInUtc) {
  EXPECT_EQ(Render("{{ ds }}"), "2021-03-05");
  EXPECT_EQ(Render("{{ ds_nodash }}"), "20210305");
  EXPECT_EQ(Render("{{ ts }}"), "2021-03-05T00:00:00+00:00");
  EXPECT_EQ(Render("{{ ts_nodash }}"), "20210305T000000");
  EXPECT_EQ(Render("{{ ts_nodash_with_tz }}"), "20210305T000000+0000");
  EXPECT_EQ(Render("{{ logical_date }}"), "2021-03-05T00:00:00+00:00");
  EXPECT_EQ(Render("{{ execution_date }}"), "2021-03-05T00:00:00+00:00");
  EXPECT_EQ(Render("{{ data_interval_start }}"), "2021-03-05T00:00:00+00:00");
  EXPECT_EQ(Render("{{ data_interval_end }}"), "2021-03-06T00:00:00+00:00");
  EXPECT_EQ(Render("{{ prev_data_interval_start_success }}"), "2021-03-04T00:00:00+00:00");
  EXPECT_EQ(Render("{{ prev_data_interval_end_success }}"), "None");
  EXPECT_EQ(Render("{{ yesterday_ds }} {{ tomorrow_ds }} {{ tomorrow_ds_nodash }}"),
            "2021-03-04 2021-03-06 20210306");
}

TEST(TemplateContextNames, DatesInBerlinUseTheDagZone) {
  TemplateContext ctx = RunContext("Europe/Berlin");
  EXPECT_EQ(Render("{{ ds }}", ctx), "2021-03-05");
  EXPECT_EQ(Render("{{ ds_nodash }}", ctx), "20210305");
  EXPECT_EQ(Render("{{ ts }}", ctx), "2021-03-05T00:00:00+01:00");
  EXPECT_EQ(Render("{{ ts_nodash }}", ctx), "20210305T000000");
  EXPECT_EQ(Render("{{ ts_nodash_with_tz }}", ctx), "20210305T000000+0100");
  EXPECT_EQ(Render("{{ logical_date }}", ctx), "2021-03-05T00:00:00+01:00");
  EXPECT_EQ(Render("{{ data_interval_end }}", ctx), "2021-03-06T00:00:00+01:00");
  EXPECT_EQ(Render("{{ logical_date.in_timezone('UTC') }}", ctx), "2021-03-04T23:00:00+00:00");
  EXPECT_EQ(Render("{{ logical_date.int_timestamp }}", ctx), "1614898800");
  EXPECT_EQ(Render("{{ logical_date.strftime('%Y-%m-%d %H:%M %Z') }}", ctx),
            "2021-03-05 00:00 CET");
}

TEST(TemplateContextNames, RunTaskAndDagObjects) {
  EXPECT_EQ(Render("{{ run_id }}"), "scheduled__2021-03-05T00:00:00+00:00");
  EXPECT_EQ(Render("{{ dag.dag_id }} {{ dag.tags }} {{ dag.tags | join(',') }}"),
            "yellow_taxi ['nyc-tlc', 'raw'] nyc-tlc,raw");
  EXPECT_EQ(Render("{{ dag_run.run_id == run_id }} {{ dag_run.run_type }}"), "True scheduled");
  EXPECT_EQ(Render("{{ dag_run.conf.limit }} {{ dag_run.conf.get('missing', 5) }}"), "10 5");
  EXPECT_EQ(Render("{{ dag_run.logical_date.year }}"), "2021");
  EXPECT_EQ(Render("{{ ti.task_id }} {{ ti.try_number }} {{ task_instance.task_id }}"),
            "download 2 download");
  EXPECT_EQ(Render("{{ task.task_id }} {{ task.retries }} {{ task.operator }}"),
            "download 3 http_download");
  EXPECT_EQ(Render("{{ task_instance_key_str }}"), "yellow_taxi__download__20210305");
}

TEST(TemplateContextNames, ParamsByAttributeAndItem) {
  EXPECT_EQ(Render("{{ params.color }}/{{ params['color'] }}"), "yellow/yellow");
  EXPECT_EQ(Render("{{ params.cfg['x'] + 1 }} {{ params.cfg.names[1] }}"), "4 b");
  EXPECT_EQ(Render("{{ params.cfg }}"), "{'names': ['a', 'b'], 'x': 3}");
}

TEST(TemplateDates, StrftimeAndAttributes) {
  EXPECT_EQ(Render("{{ data_interval_start.strftime('%Y-%m') }}"), "2021-03");
  EXPECT_EQ(Render("{{ logical_date.strftime('%m') }}"), "03");
  EXPECT_EQ(Render("{{ logical_date.year }}-{{ logical_date.month }}-{{ logical_date.day }}"),
            "2021-3-5");
  EXPECT_EQ(Render("{{ logical_date.hour }}{{ logical_date.minute }}{{ logical_date.second }}"),
            "000");
  EXPECT_EQ(Render("{{ logical_date.isoformat() }}"), "2021-03-05T00:00:00+00:00");
  EXPECT_EQ(Render("{{ logical_date.date() }}"), "2021-03-05");
}

TEST(TemplateDates, ArithmeticIsMonthAware) {
  EXPECT_EQ(Render("{{ logical_date.add(days=1) }}"), "2021-03-06T00:00:00+00:00");
  EXPECT_EQ(Render("{{ logical_date.subtract(months=1).strftime('%Y-%m') }}"), "2021-02");
  EXPECT_EQ(Render("{{ macros.datetime(2021, 1, 31).add(months=1) | string }}"),
            "2021-02-28T00:00:00+00:00");
  EXPECT_EQ(Render("{{ (logical_date + macros.timedelta(days=1)).strftime('%d') }}"), "06");
  EXPECT_EQ(Render("{{ (logical_date - macros.timedelta(hours=6)) }}"),
            "2021-03-04T18:00:00+00:00");
  EXPECT_EQ(Render("{{ data_interval_end - data_interval_start }}"), "1 day, 0:00:00");
  EXPECT_EQ(Render("{{ logical_date.start_of('month') }}"), "2021-03-01T00:00:00+00:00");
}

TEST(TemplateDates, AddingDaysAcrossDstKeepsWallTime) {
  TemplateContext ctx = RunContext("Europe/Berlin");
  ctx.logical_date = *ParseDateTime("2021-03-27T06:00", ctx.zone);
  EXPECT_EQ(Render("{{ logical_date.add(days=1) }}", ctx), "2021-03-28T06:00:00+02:00");
  EXPECT_EQ(Render("{{ logical_date.add(hours=24) }}", ctx), "2021-03-28T07:00:00+02:00");
}

TEST(TemplateMacros, DsAddAndDsFormat) {
  EXPECT_EQ(Render("{{ macros.ds_add(ds, 7) }}"), "2021-03-12");
  EXPECT_EQ(Render("{{ macros.ds_add(ds, -5) }}"), "2021-02-28");
  EXPECT_EQ(Render("{{ macros.ds_format(ds, '%Y-%m-%d', '%Y/%m') }}"), "2021/03");
  EXPECT_EQ(Render("{{ macros.ds_format('20210305', '%Y%m%d', '%d.%m.%Y') }}"), "05.03.2021");
  EXPECT_EQ(Render("{{ macros.timedelta(days=1, hours=2) }}"), "1 day, 2:00:00");
}

TEST(TemplateCallbacks, XcomPullReturnsNavigableJson) {
  EXPECT_EQ(Render("{{ ti.xcom_pull('download').path }}"), "/data/yellow_2021-03.csv.gz");
  EXPECT_EQ(Render("{{ ti.xcom_pull(task_ids='download', key='return_value')['rows'] }}"), "12");
  EXPECT_EQ(Render("{{ ti.xcom_pull('download', key='size') }}"), "2048");
  std::string err = Render("{{ ti.xcom_pull('upload') }}");
  EXPECT_NE(err.find("no XCom 'return_value' for task 'upload'"), std::string::npos) << err;
}

TEST(TemplateCallbacks, VariablesAndConnections) {
  EXPECT_EQ(Render("{{ var.value.tlc_base }}/x"), "https://d37ci6vzurychx.cloudfront.net/x");
  EXPECT_EQ(Render("{{ var.json.lake.bucket }} {{ var.json.lake.zones[0] }}"), "raw eu");
  EXPECT_EQ(Render("{{ var.value.get('nope', 'fallback') }}"), "fallback");
  EXPECT_EQ(Render("{{ conn.warehouse.host }}:{{ conn.warehouse.port }}"), "db.internal:5432");
}

TEST(TemplateCallbacks, AVariableThatIsNotJsonIsAnErrorThatQuotesNoPieceOfIt) {
  // The value may be a secret's, and a piece of it is too short to be masked.
  std::string err = Render("{{ var.json.broken.password }}");
  EXPECT_NE(err.find("var.json.broken: variable 'broken' is not valid JSON"), std::string::npos)
      << err;
  EXPECT_EQ(err.find("hunter"), std::string::npos) << err;
}

TEST(TemplateCallbacks, MissingVariableIsAnErrorNamingIt) {
  EXPECT_EQ(Render("{{ var.value.tlc_bse }}"),
            "ERROR: dags/t.yaml:12:10 task 'download' arg 'url': variable 'tlc_bse' is not set "
            "in {{ var.value.tlc_bse }}");
  EXPECT_EQ(Render("{{ var.value.tlc_bse | default('none') }}"), "none");
}

TEST(TemplateErrors, UnknownNameSuggestsTheClosest) {
  EXPECT_EQ(Render("{{ ds_nodsh }}"),
            "ERROR: dags/t.yaml:12:10 task 'download' arg 'url': unknown name 'ds_nodsh' in "
            "{{ ds_nodsh }} (did you mean 'ds_nodash'?)");
}

TEST(TemplateErrors, MissingKeyAndAttributeAreErrors) {
  EXPECT_EQ(Render("{{ params.colr }}"),
            "ERROR: dags/t.yaml:12:10 task 'download' arg 'url': no key 'colr' in params in "
            "{{ params.colr }} (did you mean 'color'?)");
  std::string err = Render("{{ ti.xcom_pull('download').paht }}");
  EXPECT_NE(err.find("no key 'paht'"), std::string::npos) << err;
  EXPECT_NE(err.find("(did you mean 'path'?)"), std::string::npos) << err;
  err = Render("{{ logical_date.yeer }}");
  EXPECT_NE(err.find("(did you mean 'year'?)"), std::string::npos) << err;
}

TEST(TemplateErrors, DefaultAndIsDefinedAcceptMissing) {
  EXPECT_EQ(Render("{{ params.nope | default('x') }}"), "x");
  EXPECT_EQ(Render("{{ params.nope | d('y') | upper }}"), "Y");
  EXPECT_EQ(Render("{{ params.color | default('x') }}"), "yellow");
  EXPECT_EQ(Render("{{ '' | default('e', true) }}"), "e");
  EXPECT_EQ(Render("{{ params.nope is defined }} {{ params.color is defined }}"), "False True");
  EXPECT_EQ(Render("{{ prev_data_interval_end_success is none }}"), "True");
  EXPECT_EQ(Render("{{ None }} {{ none is none }}"), "None True");
}

TEST(TemplateErrors, SyntaxErrorsGiveThePosition) {
  EXPECT_EQ(Render("ab {{ ds | }}"),
            "ERROR: dags/t.yaml:12:10 task 'download' arg 'url': template syntax error at line "
            "1, column 12: expected a filter name after '|', got '}}'");
  EXPECT_EQ(Render("x\n{% if ds %}y"),
            "ERROR: dags/t.yaml:12:10 task 'download' arg 'url': template syntax error at line "
            "2, column 1: missing '{% endif %}'");
  std::string err = Render("{{ ds | uper }}");
  EXPECT_NE(err.find("unknown filter 'uper' (did you mean 'upper'?)"), std::string::npos) << err;
  err = Render("{{ ds ");
  EXPECT_NE(err.find("'{{' is never closed with '}}'"), std::string::npos) << err;
}

}  // namespace
}  // namespace weir
