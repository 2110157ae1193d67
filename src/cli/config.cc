#include "cli/config.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "base/log.h"
#include "base/strings.h"
#include "cli/settings.h"
#include "env/files.h"
#include "model/yaml_tree.h"

namespace weir {

namespace fs = std::filesystem;

namespace {

std::string Resolve(const std::string& home, const std::string& path) {
  if (path.empty()) return path;
  if (path[0] == '~') {
    const char* h = std::getenv("HOME");
    return std::string(h ? h : "") + path.substr(1);
  }
  if (fs::path(path).is_absolute()) return path;
  return (fs::path(home) / path).lexically_normal().string();
}

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

}  // namespace

std::string Config::wake_file() const {
  return (fs::path(home) / "run" / "scheduler.wake").string();
}
std::string Config::lock_file() const {
  return (fs::path(home) / "run" / "scheduler.lock").string();
}

std::string DefaultConfigText() {
  std::string out =
      "# weir configuration. Relative paths are relative to this file's folder. Environment\n"
      "# variables (WEIR_...) override these; `weir config list` shows every value and where\n"
      "# it came from.\n";
  for (const Setting& s : Settings()) {
    std::string comment(s.comment.empty() ? s.meaning : s.comment);
    out += "\n";
    for (const std::string& line : Split(comment, '\n')) out += "# " + line + "\n";
    if (!s.env.empty()) out += fmt::format("# (environment: {})\n", s.env);
    if (s.default_value.empty()) {
      out += fmt::format("# {}:\n", s.key);
    } else {
      out += fmt::format("{}: {}\n", s.key, s.default_value);
    }
  }
  return out;
}

Result<Config> LoadConfig() {
  Config c;
  c.home = Env("WEIR_HOME");
  if (c.home.empty()) {
    std::string h = Env("HOME");
    c.home = (fs::path(h.empty() ? "/root" : h) / "weir").string();
  }
  c.home = fs::absolute(c.home).lexically_normal().string();
  c.config_file = (fs::path(c.home) / "weir.yaml").string();
  for (const Setting& s : Settings()) {
    c.sources.push_back({std::string(s.key), std::string(s.default_value), "default"});
    if (!s.default_value.empty()) TRY(s.apply(c, std::string(s.default_value)));
  }
  auto source = [&](std::string_view key) -> Config::Source& {
    for (auto& src : c.sources) {
      if (src.key == key) return src;
    }
    return c.sources.front();  // unreachable: every key is in Settings()
  };
  auto setting = [](std::string_view key) -> const Setting* {
    for (const Setting& s : Settings()) {
      if (s.key == key) return &s;
    }
    return nullptr;
  };
  std::error_code ec;
  if (fs::exists(c.config_file, ec)) {
    std::string text = TRY(ReadFile(c.config_file));
    YamlTree tree = TRY(ParseYaml(text, c.config_file));
    YamlNode root = tree.documents() > 0 ? tree.document(0) : YamlNode();
    if (!root.IsNull()) {
      if (!root.IsMap()) {
        return Err(ErrorCode::kInvalidArgument, "{}: expected a map of settings", c.config_file);
      }
      std::vector<std::string> keys;
      for (const Setting& s : Settings()) keys.emplace_back(s.key);
      for (size_t i = 0; i < root.size(); ++i) {
        YamlNode key_node = root.Key(i);
        const std::string& key = key_node.Scalar();
        auto where =
            fmt::format("{}:{}:{}", c.config_file, key_node.pos().line, key_node.pos().column);
        const Setting* s = setting(key);
        if (s == nullptr) {
          return Err(ErrorCode::kInvalidArgument, "{}: unknown setting '{}'{}", where, key,
                     DidYouMean(key, keys));
        }
        if (!root.Value(i).IsScalar()) {
          return Err(ErrorCode::kInvalidArgument, "{}: bad value for '{}': expected one value",
                     where, key);
        }
        const std::string& value = root.Value(i).Scalar();
        TRY_CONTEXT(s->apply(c, value), where);
        source(key) = {key, value, fmt::format("{}:{}", c.config_file, key_node.pos().line)};
      }
    }
  }
  for (const Setting& s : Settings()) {
    if (s.env.empty()) continue;
    std::string value = Env(std::string(s.env).c_str());
    if (value.empty()) continue;
    TRY_CONTEXT(s.apply(c, value), std::string(s.env));
    source(s.key) = {std::string(s.key), value, std::string(s.env)};
  }
  c.dags_folder = Resolve(c.home, c.dags_folder);
  c.logs_folder = Resolve(c.home, c.logs_folder);
  c.work_folder = Resolve(c.home, c.work_folder);
  c.warehouse = Resolve(c.home, c.warehouse);
  if (!c.duckdb_extension_directory.empty()) {
    c.duckdb_extension_directory = Resolve(c.home, c.duckdb_extension_directory);
  }
  c.secret_key_file = Resolve(c.home, c.secret_key_file);
  if (c.lake.find("://") == std::string::npos) c.lake = "file://" + Resolve(c.home, c.lake);
  if (!c.remote_logs.empty() && c.remote_logs.find("://") == std::string::npos) {
    c.remote_logs = "file://" + Resolve(c.home, c.remote_logs);
  }
  if (c.database.rfind("sqlite://", 0) != 0 && c.database.rfind("postgres", 0) != 0) {
    c.database = "sqlite:///" + Resolve(c.home, c.database);
  }
  // The table checked both names; every command that reads its configuration logs by it.
  Log::Configure(ParseLogLevel(c.log_level).value_or(LogLevel::kInfo),
                 ParseLogFormat(c.log_format).value_or(LogFormat::kText));
  return c;
}

}  // namespace weir
