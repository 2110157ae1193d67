#pragma once

#include <string>

#include "base/status.h"
#include "model/connection.h"
#include "net/google_auth.h"

namespace weir {

// The connection id a gs:// lake (and BigQuery) uses when none is named (Airflow's
// gcp_conn_id default).
inline constexpr std::string_view kDefaultGoogleConnId = "google_cloud_default";

// The credentials of a `google_cloud_platform` connection, found as Airflow's Google hook
// and Google's client libraries find them:
//   1. the connection's extra: `keyfile_dict` (a service account's key, as JSON text or an
//      object) or `key_path` (a key file's path; either form may carry Airflow's
//      "extra__google_cloud_platform__" prefix), with `scope` (comma-separated) and
//      `token_uri` overriding the key's;
//   2. the file GOOGLE_APPLICATION_CREDENTIALS names;
//   3. gcloud's application-default credentials, ~/.config/gcloud/application_default_
//      credentials.json (an `authorized_user` file);
//   4. none, when `anonymous` is set (an emulator: STORAGE_EMULATOR_HOST, or the extra's
//      endpoint_url with "anonymous": true).
// Otherwise kFailedPrecondition saying each way to give a key. `what` names the user
// ("gs://bucket/prefix"). Errors never quote a key.
Result<GoogleCredentials> GoogleCredentialsOf(const Connection& conn, const std::string& what,
                                              bool anonymous);

// Another server for a Google API (an emulator, a test fake): the connection's extra
// `extra_name`, else the environment variable `env_var` (host:port, or a URL), without a
// trailing '/'; "" when neither is set. Not http(s):// is kInvalidArgument.
Result<std::string> GoogleEndpointOf(const Connection& conn, const std::string& extra_name,
                                     const char* env_var);

// Connection extra field `name`, also under Airflow's older "extra__google_cloud_platform__"
// prefix; "" when absent. Objects come back as JSON text.
std::string GoogleExtra(const Connection& conn, const std::string& name);

}  // namespace weir
