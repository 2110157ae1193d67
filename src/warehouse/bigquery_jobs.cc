// BigQuery query jobs: insert, wait until DONE, read the first rows; and the typing of
// parameters and values between JSON and BigQuery's REST forms.
#include <fmt/format.h>

#include <cmath>
#include <thread>

#include "base/time.h"
#include "base/url.h"
#include "warehouse/bigquery.h"

namespace weir {

namespace {

std::string Str(const Json& j, const char* name) {
  auto it = j.find(name);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

const Json& Field(const Json& j, const char* name) {
  static const Json kNull;
  auto it = j.find(name);
  return it != j.end() ? *it : kNull;
}

// BigQuery's reasons (https://cloud.google.com/bigquery/docs/error-messages) as weir's codes.
ErrorCode ReasonCode(const std::string& reason) {
  if (reason == "notFound") return ErrorCode::kNotFound;
  if (reason == "duplicate") return ErrorCode::kAlreadyExists;
  if (reason == "accessDenied" || reason == "billingNotEnabled") {
    return ErrorCode::kFailedPrecondition;
  }
  if (reason == "backendError" || reason == "internalError" || reason == "rateLimitExceeded" ||
      reason == "jobBackendError") {
    return ErrorCode::kUnavailable;
  }
  if (reason == "stopped") return ErrorCode::kTimeout;
  return ErrorCode::kInvalidArgument;
}

// "p:LOC.id", as BigQuery names a job.
std::string JobName(const Json& job) {
  const Json& ref = Field(job, "jobReference");
  std::string location = Str(ref, "location");
  return Str(ref, "projectId") + ":" + (location.empty() ? "" : location + ".") + Str(ref, "jobId");
}

// A DONE job's errorResult (and the first few of its errors) as the error.
Status JobOutcome(const Json& job) {
  const Json& status = Field(job, "status");
  const Json& error = Field(status, "errorResult");
  if (!error.is_object()) return {};
  std::string text = Str(error, "reason") + ": " + Str(error, "message");
  if (std::string at = Str(error, "location"); !at.empty()) text += " (at " + at + ")";
  const Json& errors = Field(status, "errors");
  if (errors.is_array()) {
    int shown = 0;
    for (const Json& e : errors) {
      if (!e.is_object() || Str(e, "message") == Str(error, "message")) continue;
      if (++shown > 4) break;
      text += "; " + Str(e, "message");
    }
  }
  return Err(ReasonCode(Str(error, "reason")), "BigQuery job {} failed: {}", JobName(job), text);
}

Result<Json> ParameterOf(const Json& value, const std::string& name) {
  if (value.is_array()) {
    Json values = Json::array();
    std::string type = "STRING";
    for (const Json& v : value) {
      Json one = TRY(ParameterOf(v, name));
      if (one["parameterType"].contains("arrayType")) {
        return Err(ErrorCode::kInvalidArgument,
                   "BigQuery parameter {}: a list inside a list cannot be a parameter", name);
      }
      if (!v.is_null()) type = one["parameterType"]["type"].get<std::string>();
      values.push_back(one["parameterValue"]);
    }
    return Json{{"parameterType", {{"type", "ARRAY"}, {"arrayType", {{"type", type}}}}},
                {"parameterValue", {{"arrayValues", values}}}};
  }
  std::string type;
  Json text;
  if (value.is_null()) {
    type = "STRING";
  } else if (value.is_boolean()) {
    type = "BOOL";
    text = value.get<bool>() ? "true" : "false";
  } else if (value.is_number_integer()) {
    type = "INT64";
    text = value.dump();
  } else if (value.is_number()) {
    type = "FLOAT64";
    text = value.dump();
  } else if (value.is_string()) {
    type = "STRING";
    text = value.get<std::string>();
  } else {
    return Err(ErrorCode::kInvalidArgument,
               "BigQuery parameter {}: a map cannot be a parameter; pass its fields one by one, "
               "or a JSON text and PARSE_JSON(@{}) in the query",
               name, name);
  }
  // A NULL is a parameter without a value.
  Json param_value = text.is_null() ? Json::object() : Json{{"value", text}};
  return Json{{"parameterType", {{"type", type}}}, {"parameterValue", param_value}};
}

}  // namespace

Status SetBigQueryParameters(const Json& parameters, Json& query) {
  if (parameters.is_null()) return {};
  Json list = Json::array();
  if (parameters.is_object()) {
    for (const auto& [name, value] : parameters.items()) {
      Json p = TRY(ParameterOf(value, "@" + name));
      p["name"] = name;
      list.push_back(std::move(p));
    }
    query["parameterMode"] = "NAMED";
  } else if (parameters.is_array()) {
    for (size_t i = 0; i < parameters.size(); ++i) {
      list.push_back(TRY(ParameterOf(parameters[i], fmt::format("?{}", i + 1))));
    }
    query["parameterMode"] = "POSITIONAL";
  } else {
    return Err(ErrorCode::kInvalidArgument,
               "BigQuery parameters must be a map (for @name) or a list (for ?)");
  }
  query["queryParameters"] = std::move(list);
  return {};
}

Json BigQueryValue(const Json& value, const Json& field) {
  if (value.is_null() || !value.is_string() || Str(field, "mode") == "REPEATED") return value;
  std::string type = Str(field, "type");
  const std::string& text = value.get_ref<const std::string&>();
  char* end = nullptr;
  if (type == "INTEGER" || type == "INT64") {
    long long n = std::strtoll(text.c_str(), &end, 10);
    return end != nullptr && *end == '\0' ? Json(n) : value;
  }
  if (type == "FLOAT" || type == "FLOAT64") {
    double d = std::strtod(text.c_str(), &end);
    return end != nullptr && *end == '\0' && std::isfinite(d) ? Json(d) : value;
  }
  if (type == "BOOLEAN" || type == "BOOL") return Json(text == "true");
  if (type == "TIMESTAMP") {
    // Seconds since the epoch, as a float in text ("1.6094592E9") or microseconds.
    double seconds = std::strtod(text.c_str(), &end);
    if (end == nullptr || *end != '\0') return value;
    auto micros = std::chrono::microseconds(std::llround(seconds * 1e6));
    return FormatTime(Time(std::chrono::duration_cast<Time::duration>(micros)),
                      "%Y-%m-%dT%H:%M:%SZ");
  }
  return value;
}

Result<BigQueryResult> BigQuery::RunQuery(const Json& job, int64_t max_rows,
                                          const std::function<void(const std::string&)>& on_state) {
  const Json& ref = Field(job, "jobReference");
  std::string project = Str(ref, "projectId");
  std::string job_id = Str(ref, "jobId");
  std::string location = Str(ref, "location");
  std::string what = "BigQuery job " + JobName(job);
  Reply reply =
      TRY(Call("POST", "projects/" + PercentEncode(project) + "/jobs", &job, "inserting " + what));
  bool dry_run = Field(Field(job, "configuration"), "dryRun") == Json(true);
  Json done;
  if (reply.status == 409 && !dry_run) {
    // The insert was made before (a retry whose first answer was lost): wait on that job.
    done = TRY(WaitForJob(project, job_id, location, on_state));
  } else {
    Json inserted = TRY(Ok(reply));
    if (dry_run) {
      TRY(JobOutcome(inserted));
      return BigQueryResult{.job = std::move(inserted)};
    }
    std::string state = Str(Field(inserted, "status"), "state");
    if (on_state && !state.empty()) on_state(state);
    done = state == "DONE" ? std::move(inserted)
                           : TRY(WaitForJob(project, job_id, location, on_state));
  }
  TRY(JobOutcome(done));
  return Results(std::move(done), max_rows);
}

Result<Json> BigQuery::WaitForJob(const std::string& project, const std::string& job_id,
                                  const std::string& location,
                                  const std::function<void(const std::string&)>& on_state) {
  std::string path = "projects/" + PercentEncode(project) + "/jobs/" + PercentEncode(job_id);
  if (!location.empty()) path += "?location=" + PercentEncode(location);
  std::string what = "BigQuery job " + project + ":" + job_id;
  std::string last_state;
  auto delay = target_.first_poll;
  while (true) {
    Json job = TRY(Ok(TRY(Call("GET", path, nullptr, what))));
    std::string state = Str(Field(job, "status"), "state");
    if (state != last_state && on_state) on_state(state);
    last_state = state;
    if (state == "DONE") return job;
    std::this_thread::sleep_for(delay);
    delay = std::min(target_.max_poll, delay * 3 / 2);
  }
}

Result<BigQueryResult> BigQuery::Results(Json job, int64_t max_rows) {
  const Json& ref = Field(job, "jobReference");
  std::string location = Str(ref, "location");
  std::string path = "projects/" + PercentEncode(Str(ref, "projectId")) + "/queries/" +
                     PercentEncode(Str(ref, "jobId")) +
                     fmt::format("?maxResults={}", std::max<int64_t>(max_rows, 1));
  if (!location.empty()) path += "&location=" + PercentEncode(location);
  Json page =
      TRY(Ok(TRY(Call("GET", path, nullptr, "the results of BigQuery job " + JobName(job)))));
  BigQueryResult out{.job = std::move(job)};
  const Json& fields = Field(Field(page, "schema"), "fields");
  if (fields.is_array()) {
    for (const Json& f : fields) out.columns.push_back(Str(f, "name"));
  }
  out.total_rows = std::strtoll(Str(page, "totalRows").c_str(), nullptr, 10);
  const Json& rows = Field(page, "rows");
  if (!rows.is_array() || !fields.is_array()) return out;
  for (const Json& row : rows) {
    if (static_cast<int64_t>(out.rows.size()) >= max_rows) break;
    const Json& cells = Field(row, "f");
    Json obj = Json::object();
    for (size_t c = 0; c < fields.size() && cells.is_array() && c < cells.size(); ++c) {
      obj[out.columns[c]] = BigQueryValue(Field(cells[c], "v"), fields[c]);
    }
    out.rows.push_back(std::move(obj));
  }
  return out;
}

}  // namespace weir
