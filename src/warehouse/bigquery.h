#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "model/connection.h"
#include "net/google_auth.h"
#include "net/retry.h"

namespace weir {

// Where BigQuery is and who calls it: the REST root (https://bigquery.googleapis.com, or a
// test server), the project that owns jobs and is the default for table names, and the
// connection's tokens (null: none are sent).
struct BigQueryTarget {
  std::string endpoint = "https://bigquery.googleapis.com";
  std::string project;
  std::shared_ptr<GoogleTokenSource> tokens;
  RetryPolicy retry;
  std::chrono::milliseconds first_poll{250};  // a job's first wait; it grows to max_poll
  std::chrono::milliseconds max_poll{5'000};
};

// Reads a google_cloud_platform connection for BigQuery, as Airflow's BigQueryHook does:
// the credentials as for GCS (lake/gcs/google_connection.h), the project from the extra's
// `project` (or Airflow's extra__google_cloud_platform__project), else the key's project_id.
// The extra's `bigquery_endpoint_url`, else BIGQUERY_EMULATOR_HOST, points at another server
// (which may then be reached without credentials). `what` names the user, for errors.
Result<BigQueryTarget> BigQueryTargetOf(const Connection& conn, const std::string& what);

// project.dataset.table (or dataset.table in the target's project). Names follow BigQuery's
// rules: a project id of letters, digits, '-' (and a "domain:" prefix), dataset and table
// names of letters, digits and '_' (tables may also hold '-' and '$' for a partition).
struct BigQueryTableRef {
  std::string project;
  std::string dataset;
  std::string table;

  std::string ToString() const { return project + "." + dataset + "." + table; }
  Json ToJson() const;
};
Result<BigQueryTableRef> ParseBigQueryTable(const std::string& name,
                                            const std::string& default_project);

// A BigQuery label value (or key) from any text: lower case, letters, digits, '_' and '-',
// at most 63 characters.
std::string BigQueryLabel(std::string_view text);

// One finished query job: its resource, and the first rows of its result.
struct BigQueryResult {
  Json job{};                          // the job resource, status DONE
  std::vector<std::string> columns{};  // the result's fields
  Json rows = Json::array();           // [{column: value}], typed by the field's type
  int64_t total_rows = 0;
};

// BigQuery's REST API (v2), the calls weir makes: datasets, tables, query jobs. Every call
// is retried as the cloud stores' are (408, 429, 5xx, dropped connections, Retry-After); a 401
// fetches a new token once. Errors carry BigQuery's reason and message ("notFound: Not
// found: Dataset p:d") and the HTTP status; kNotFound for 404, kAlreadyExists for 409.
class BigQuery {
 public:
  explicit BigQuery(BigQueryTarget target);

  const BigQueryTarget& target() const { return target_; }

  // The dataset resource, or nullopt when there is none.
  Result<std::optional<Json>> GetDataset(const std::string& project, const std::string& dataset);
  // Creates the dataset in `location` unless it exists; true when it was created. An existing
  // dataset in another location is kFailedPrecondition.
  Result<bool> EnsureDataset(const std::string& project, const std::string& dataset,
                             const std::string& location);

  // The table resource, or nullopt when there is none.
  Result<std::optional<Json>> GetTable(const BigQueryTableRef& ref);
  // Creates the table from `resource` (which holds its tableReference), or replaces the
  // definition of the one there (tables.update). The answer is the table resource; `created`
  // says which it was.
  Result<Json> PutTable(const BigQueryTableRef& ref, const Json& resource, bool* created);

  // Inserts the job `job` (a Job resource with jobReference.jobId) and waits until it is
  // DONE. A job already inserted under that id (a retried insert whose answer was lost) is
  // waited on, not inserted again. The job's errorResult is the error. A dry run answers
  // at once. `on_state` hears each state the job reaches (PENDING, RUNNING, DONE).
  Result<BigQueryResult> RunQuery(const Json& job, int64_t max_rows,
                                  const std::function<void(const std::string&)>& on_state = {});

 private:
  struct Reply {
    int status = 0;
    Json body;
  };
  Result<Reply> Call(const std::string& method, const std::string& path, const Json* body,
                     const std::string& what);
  // The body of a 2xx reply, else its error.
  static Result<Json> Ok(const Reply& reply);
  Result<Json> WaitForJob(const std::string& project, const std::string& job_id,
                          const std::string& location,
                          const std::function<void(const std::string&)>& on_state);
  Result<BigQueryResult> Results(Json job, int64_t max_rows);

  BigQueryTarget target_;
};

// A query's parameters for BigQuery: a JSON object gives NAMED ones (@name), a list
// POSITIONAL ones (?), each typed from its JSON value (BOOL, INT64, FLOAT64, STRING, or an
// ARRAY of one of them; null is a NULL STRING). Sets queryParameters and parameterMode in
// the query configuration `query`. Objects inside are kInvalidArgument.
Status SetBigQueryParameters(const Json& parameters, Json& query);

// A field's value as BigQuery's REST API sends it (text, or null) as JSON of its type:
// INTEGER/INT64 a number, FLOAT a number, BOOLEAN true or false, TIMESTAMP an RFC 3339 text,
// RECORD and REPEATED fields as they came; everything else text.
Json BigQueryValue(const Json& value, const Json& field);

}  // namespace weir
