#include "lake/gcs/google_connection.h"

#include <cstdlib>
#include <filesystem>

#include "base/strings.h"
#include "env/files.h"

namespace weir {

namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? "" : v;
}

constexpr size_t kMaxKeyFile = 64 * 1024;

Result<GoogleCredentials> ReadKeyFile(const std::string& path, const std::string& where) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec)
    return Err(ErrorCode::kFailedPrecondition, "{}: cannot read {}: {}", where, path, ec.message());
  if (size > kMaxKeyFile) {
    return Err(ErrorCode::kInvalidArgument, "{}: {} is {} bytes; a Google key file is at most {}",
               where, path, size, kMaxKeyFile);
  }
  std::string text = TRY_CONTEXT(ReadFile(path), where);
  Json key = TRY(ParseJson(text, path));
  return ParseGoogleKey(key, where + " (" + path + ")");
}

}  // namespace

std::string GoogleExtra(const Connection& conn, const std::string& name) {
  for (const std::string& key : {name, "extra__google_cloud_platform__" + name}) {
    auto it = conn.extra.find(key);
    if (it == conn.extra.end() || it->is_null()) continue;
    if (it->is_string()) {
      if (!it->get<std::string>().empty()) return it->get<std::string>();
      continue;
    }
    return it->dump();
  }
  return "";
}

Result<std::string> GoogleEndpointOf(const Connection& conn, const std::string& extra_name,
                                     const char* env_var) {
  std::string endpoint = GoogleExtra(conn, extra_name);
  if (endpoint.empty()) {
    endpoint = Env(env_var);
    if (!endpoint.empty() && endpoint.find("://") == std::string::npos) {
      endpoint = "http://" + endpoint;
    }
  }
  while (endpoint.ends_with('/')) endpoint.pop_back();
  if (!endpoint.empty() && !endpoint.starts_with("http://") && !endpoint.starts_with("https://")) {
    return Err(ErrorCode::kInvalidArgument,
               "connection '{}': {} '{}' must start with http:// or https://", conn.conn_id,
               extra_name, endpoint);
  }
  return endpoint;
}

Result<GoogleCredentials> GoogleCredentialsOf(const Connection& conn, const std::string& what,
                                              bool anonymous) {
  std::string where = conn.conn_id.empty() ? what : "connection '" + conn.conn_id + "'";
  if (!conn.conn_type.empty() && conn.conn_type != "google_cloud_platform") {
    return Err(ErrorCode::kInvalidArgument,
               "connection '{}' is of type '{}'; {} needs a google_cloud_platform connection",
               conn.conn_id, conn.conn_type, what);
  }
  GoogleCredentials creds;
  std::string keyfile_dict = GoogleExtra(conn, "keyfile_dict");
  std::string key_path = GoogleExtra(conn, "key_path");
  if (!keyfile_dict.empty()) {
    auto key = ParseJson(keyfile_dict, where + " keyfile_dict");
    if (!key) {
      // The parser's message quotes the text around the fault: part of a private key.
      return Err(ErrorCode::kInvalidArgument,
                 "{}: keyfile_dict is not JSON; paste the whole key file, or give key_path", where);
    }
    creds = TRY(ParseGoogleKey(*key, where + " keyfile_dict"));
  } else if (!key_path.empty()) {
    creds = TRY(ReadKeyFile(key_path, where + " key_path"));
  } else if (std::string file = Env("GOOGLE_APPLICATION_CREDENTIALS"); !file.empty()) {
    creds = TRY(ReadKeyFile(file, "GOOGLE_APPLICATION_CREDENTIALS"));
  } else if (std::string home = Env("HOME");
             !anonymous && !home.empty() &&
             std::filesystem::exists(home +
                                     "/.config/gcloud/application_default_credentials.json")) {
    creds = TRY(ReadKeyFile(home + "/.config/gcloud/application_default_credentials.json",
                            "gcloud's application-default credentials"));
  } else if (!anonymous) {
    std::string which = conn.conn_id.empty() ? std::string(kDefaultGoogleConnId) : conn.conn_id;
    return Err(ErrorCode::kFailedPrecondition,
               "no Google credentials for {}: give connection '{}' a key_path or keyfile_dict "
               "(a service account's key; weir connections add {} --conn-type "
               "google_cloud_platform --extra '{{\"key_path\": \"/path/key.json\"}}'), set "
               "GOOGLE_APPLICATION_CREDENTIALS, or run gcloud auth application-default login",
               what, which, which);
  }
  if (std::string scope = GoogleExtra(conn, "scope"); !scope.empty()) {
    creds.scopes.clear();
    for (const auto& s : Split(scope, ',')) {
      if (!Trim(s).empty()) creds.scopes.emplace_back(Trim(s));
    }
  }
  if (std::string token_uri = GoogleExtra(conn, "token_uri"); !token_uri.empty()) {
    creds.token_uri = token_uri;
  }
  return creds;
}

}  // namespace weir
