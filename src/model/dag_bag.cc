#include "model/dag_bag.h"

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "base/hash.h"
#include "env/files.h"
#include "model/dag_loader.h"
#include "model/yaml_limits.h"

namespace weir {

namespace fs = std::filesystem;

namespace {

bool IsDagFile(const fs::path& p) {
  std::string ext = p.extension().string();
  return ext == ".yaml" || ext == ".yml";
}

bool IsHidden(const fs::path& p) {
  std::string name = p.filename().string();
  return !name.empty() && name[0] == '.';
}

// The files to load, sorted so that which of two same-id files wins never changes.
std::vector<fs::path> FindDagFiles(const fs::path& root, std::error_code& ec) {
  std::vector<fs::path> files;
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const fs::path& p = it->path();
    if (IsHidden(p)) {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file(ec) && IsDagFile(p)) files.push_back(p);
  }
  std::sort(files.begin(), files.end());
  return files;
}

// "file:line:col" of the dag_id value when it is a top-level `dag_id:` line, else line 1.
std::string DagIdPosition(const DagSpec& dag) {
  std::istringstream lines(dag.source);
  std::string line;
  for (int n = 1; std::getline(lines, line); ++n) {
    if (!line.starts_with("dag_id:")) continue;
    size_t col = line.find_first_not_of(" \t", 7);
    return fmt::format("{}:{}:{}", dag.fileloc, n, col == std::string::npos ? 1 : col + 1);
  }
  return dag.fileloc + ":1:1";
}

}  // namespace

DagBag LoadDagFolder(const std::string& folder, const std::vector<OperatorSchema>& operators) {
  DagBag bag;
  std::error_code ec;
  fs::path root = fs::absolute(folder, ec).lexically_normal();
  if (ec || !fs::is_directory(root, ec)) {
    bag.errors[root.string()] =
        fmt::format("{}: the DAGs folder does not exist or is not a folder", root.string());
    return bag;
  }
  std::vector<fs::path> files = FindDagFiles(root, ec);
  if (ec) {
    bag.errors[root.string()] =
        fmt::format("{}: cannot list the DAGs folder: {}", root.string(), ec.message());
  }
  for (const auto& file : files) {
    std::string path = file.string();
    // Only files inside the folder (a link to /etc/shadow would show its lines in import
    // errors), and no more than a DAG file may hold.
    auto content = ReadFileWithin(root.string(), path, YamlLimits{}.max_bytes);
    if (!content) {
      bag.errors[path] =
          fmt::format("{}: cannot load the DAG file: {}", path, content.error().message);
      if (content.error().code == ErrorCode::kInvalidArgument) {
        bag.errors[path] += fmt::format(": a DAG file may be at most {} KiB; split it",
                                        YamlLimits{}.max_bytes / 1024);
      }
      continue;
    }
    bag.file_hashes[path] = Sha256Hex(*content);
    auto dag = ParseDag(*content, path, operators);
    if (!dag) {
      bag.errors[path] = dag.error().message;
      continue;
    }
    if (auto first = bag.dags.find(dag->dag_id); first != bag.dags.end()) {
      bag.errors[path] = fmt::format(
          "{}: dag_id '{}' is already used by {}: every DAG needs its own dag_id; rename one",
          DagIdPosition(*dag), dag->dag_id, first->second->fileloc);
      continue;
    }
    std::string id = dag->dag_id;
    bag.dags.emplace(std::move(id), std::make_shared<const DagSpec>(*std::move(dag)));
  }
  return bag;
}

}  // namespace weir
