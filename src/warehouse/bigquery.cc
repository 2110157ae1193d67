#include "warehouse/bigquery.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <thread>

#include "base/strings.h"
#include "base/url.h"
#include "lake/cloud_common.h"
#include "lake/gcs/google_connection.h"

namespace weir {

namespace {

std::string Str(const Json& j, const char* name) {
  auto it = j.find(name);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

bool ValidPart(std::string_view part, std::string_view extra) {
  if (part.empty() || part.size() > 1024) return false;
  return std::ranges::all_of(part, [&](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' ||
           extra.find(c) != std::string_view::npos;
  });
}

}  // namespace

Result<BigQueryTarget> BigQueryTargetOf(const Connection& conn, const std::string& what) {
  BigQueryTarget target;
  std::string endpoint =
      TRY(GoogleEndpointOf(conn, "bigquery_endpoint_url", "BIGQUERY_EMULATOR_HOST"));
  bool elsewhere = !endpoint.empty();
  if (elsewhere) target.endpoint = endpoint;
  auto creds = TRY(GoogleCredentialsOf(conn, what, elsewhere));
  target.project = GoogleExtra(conn, "project");
  if (target.project.empty()) target.project = creds.project_id;
  if (creds.kind != GoogleCredentials::Kind::kNone) {
    target.tokens = std::make_shared<GoogleTokenSource>(std::move(creds));
  }
  return target;
}

Json BigQueryTableRef::ToJson() const {
  return Json{{"projectId", project}, {"datasetId", dataset}, {"tableId", table}};
}

Result<BigQueryTableRef> ParseBigQueryTable(const std::string& name,
                                            const std::string& default_project) {
  // The project may hold a ':' (domain:project) and '-'; the table's last two dots split it.
  size_t last = name.rfind('.');
  size_t middle =
      last == std::string::npos || last == 0 ? std::string::npos : name.rfind('.', last - 1);
  BigQueryTableRef ref;
  if (last != std::string::npos) ref.table = name.substr(last + 1);
  if (middle == std::string::npos) {
    ref.project = default_project;
    ref.dataset = last == std::string::npos ? "" : name.substr(0, last);
  } else {
    ref.project = name.substr(0, middle);
    ref.dataset = name.substr(middle + 1, last - middle - 1);
  }
  bool ok = ValidPart(ref.dataset, "") && ValidPart(ref.table, "-$") &&
            ValidPart(ref.project, "-:.") && ref.dataset.size() <= 1024;
  if (!ok) {
    if (ref.project.empty() && ValidPart(ref.dataset, "") && ValidPart(ref.table, "-$")) {
      return Err(ErrorCode::kInvalidArgument,
                 "BigQuery table '{}' names no project, and the connection has none: write "
                 "project.dataset.table, or set the connection's extra \"project\"",
                 name);
    }
    return Err(ErrorCode::kInvalidArgument,
               "BigQuery table '{}' must be project.dataset.table or dataset.table (dataset and "
               "table: letters, digits and _)",
               name);
  }
  return ref;
}

std::string BigQueryLabel(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (out.size() == 63) break;
    auto u = static_cast<unsigned char>(c);
    out += std::isalnum(u) || c == '-' || c == '_' ? static_cast<char>(std::tolower(u)) : '_';
  }
  return out;
}

BigQuery::BigQuery(BigQueryTarget target) : target_(std::move(target)) {}

Result<BigQuery::Reply> BigQuery::Call(const std::string& method, const std::string& path,
                                       const Json* body, const std::string& what) {
  std::string text;
  bool refreshed = false;
  auto attempt = [&](int) -> Result<HttpResponse> {
    while (true) {
      HttpRequest req;
      req.method = method;
      req.url = target_.endpoint + "/bigquery/v2/" + path;
      req.timeout = std::chrono::minutes(5);
      if (body != nullptr) {
        req.body = body->dump();
        req.headers["Content-Type"] = "application/json; charset=UTF-8";
      }
      if (target_.tokens) {
        std::string auth = TRY_CONTEXT(target_.tokens->Authorization(), what);
        if (!auth.empty()) req.headers["Authorization"] = auth;
      }
      auto reply = FetchText(req);
      if (!reply) return std::unexpected(reply.error());
      // A token can expire or be revoked between two requests: fetch a new one, once.
      if (reply->head.status == 401 && target_.tokens && !refreshed) {
        refreshed = true;
        target_.tokens->Invalidate();
        continue;
      }
      text = std::move(reply->body);
      return std::move(reply->head);
    }
  };
  auto head = WithRetries(target_.retry, attempt);
  if (!head) return Err(head.error().code, "{}: {}", what, head.error().message);
  Reply reply{.status = head->status, .body = Json()};
  if (head->status / 100 == 2) {
    if (!text.empty()) reply.body = TRY(ParseJson(text, what + ": BigQuery's answer"));
    return reply;
  }
  std::string error = GoogleErrorText(text);
  if (error.empty()) error = head->reason;
  std::string hint;
  if (head->status == 401) hint = " (the connection's credentials were refused)";
  if (head->status == 403) {
    hint =
        " (check the account's roles: BigQuery Job User on the project, Data Editor on "
        "the dataset, Storage Object Viewer on the bucket)";
  }
  reply.body = Json{{"error", fmt::format("{}: HTTP {} {}{}", what, head->status, error, hint)}};
  return reply;
}

Result<Json> BigQuery::Ok(const Reply& reply) {
  if (reply.status / 100 == 2) return reply.body;
  return Err(StoreErrorCode(reply.status), "{}", reply.body.value("error", std::string()));
}

Result<std::optional<Json>> BigQuery::GetDataset(const std::string& project,
                                                 const std::string& dataset) {
  std::string what = "BigQuery dataset " + project + "." + dataset;
  Reply reply =
      TRY(Call("GET", "projects/" + PercentEncode(project) + "/datasets/" + PercentEncode(dataset),
               nullptr, what));
  if (reply.status == 404) return std::nullopt;
  return TRY(Ok(reply));
}

Result<bool> BigQuery::EnsureDataset(const std::string& project, const std::string& dataset,
                                     const std::string& location) {
  std::string what = "BigQuery dataset " + project + "." + dataset;
  auto found = TRY(GetDataset(project, dataset));
  if (!found) {
    Json body{{"datasetReference", {{"projectId", project}, {"datasetId", dataset}}},
              {"location", location}};
    Reply reply = TRY(Call("POST", "projects/" + PercentEncode(project) + "/datasets", &body,
                           "creating " + what));
    if (reply.status != 409) {  // 409: another task made it meanwhile
      TRY(Ok(reply));
      return true;
    }
    found = TRY(GetDataset(project, dataset));
    if (!found) return Err(ErrorCode::kUnavailable, "{}: created and gone", what);
  }
  std::string there = Str(*found, "location");
  if (!location.empty() && !there.empty() && ToLower(there) != ToLower(location)) {
    return Err(ErrorCode::kFailedPrecondition,
               "{} is in location {}, not {}: give location: {} (a dataset's location cannot "
               "change)",
               what, there, location, there);
  }
  return false;
}

Result<std::optional<Json>> BigQuery::GetTable(const BigQueryTableRef& ref) {
  std::string what = "BigQuery table " + ref.ToString();
  Reply reply = TRY(Call("GET",
                         "projects/" + PercentEncode(ref.project) + "/datasets/" +
                             PercentEncode(ref.dataset) + "/tables/" + PercentEncode(ref.table),
                         nullptr, what));
  if (reply.status == 404) return std::nullopt;
  return TRY(Ok(reply));
}

Result<Json> BigQuery::PutTable(const BigQueryTableRef& ref, const Json& resource, bool* created) {
  std::string what = "BigQuery table " + ref.ToString();
  std::string tables = "projects/" + PercentEncode(ref.project) + "/datasets/" +
                       PercentEncode(ref.dataset) + "/tables";
  Reply reply = TRY(Call("POST", tables, &resource, "creating " + what));
  *created = reply.status != 409;
  if (*created) return Ok(reply);
  // It exists: tables.update replaces its whole definition, as CREATE OR REPLACE would.
  reply = TRY(Call("PUT", tables + "/" + PercentEncode(ref.table), &resource, "replacing " + what));
  return Ok(reply);
}

}  // namespace weir
