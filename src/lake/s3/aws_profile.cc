#include "lake/s3/aws_profile.h"

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

std::string InHome(const char* rest) {
  std::string home = Env("HOME");
  return home.empty() ? "" : home + rest;
}

// The key = value lines of section `section` of an INI file; nothing when it is missing.
Status ReadSection(const std::string& path, const std::string& section,
                   std::map<std::string, std::string>& out) {
  std::error_code ec;
  if (path.empty() || !std::filesystem::exists(path, ec)) return {};
  std::string text = TRY(ReadFile(path));
  bool in = false;
  for (const std::string& raw : Split(text, '\n')) {
    std::string_view line = Trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '[') {
      in = line.back() == ']' && Trim(line.substr(1, line.size() - 2)) == section;
      continue;
    }
    size_t eq = line.find('=');
    if (!in || eq == std::string_view::npos) continue;
    std::string key(Trim(line.substr(0, eq)));
    out.try_emplace(key, std::string(Trim(line.substr(eq + 1))));
  }
  return {};
}

}  // namespace

std::string AwsProfileName(const std::string& explicit_name) {
  if (!explicit_name.empty()) return explicit_name;
  std::string env = Env("AWS_PROFILE");
  return env.empty() ? "default" : env;
}

Result<std::map<std::string, std::string>> ReadAwsProfile(const std::string& name) {
  std::map<std::string, std::string> out;
  std::string credentials = Env("AWS_SHARED_CREDENTIALS_FILE");
  if (credentials.empty()) credentials = InHome("/.aws/credentials");
  std::string config = Env("AWS_CONFIG_FILE");
  if (config.empty()) config = InHome("/.aws/config");
  TRY(ReadSection(credentials, name, out));  // first: its values win
  TRY(ReadSection(config, name == "default" ? name : "profile " + name, out));
  return out;
}

}  // namespace weir
