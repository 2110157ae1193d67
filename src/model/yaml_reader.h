#pragma once

// Reading typed values out of a parsed YAML document, with "file:line:col: " positions on
// every error. Internal to the DAG loader (dag_loader.cc, task_loader.cc).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "base/time.h"
#include "model/dag.h"
#include "model/yaml_tree.h"

namespace weir {

// One `key: value` pair of a YAML mapping, with the nodes kept for their positions.
struct YamlEntry {
  std::string key;
  YamlNode key_node;
  YamlNode value;
};

// A YAML mapping's entries in file order. Merge keys (`<<: *defaults`) are expanded: merged
// entries come after the explicit ones and never override them.
struct YamlMap {
  YamlNode node;  // the mapping itself
  std::vector<YamlEntry> entries;

  // The entry for `key`, or nullptr.
  const YamlEntry* Find(std::string_view key) const;
  std::vector<std::string> Keys() const;
};

class YamlReader {
 public:
  explicit YamlReader(std::string file) : file_(std::move(file)) {}

  const std::string& file() const { return file_; }

  // 1-based position of a node.
  static SourcePos Pos(YamlNode node) { return node.pos(); }
  // "file:line:col".
  std::string Where(YamlNode node) const;
  std::string Where(SourcePos pos) const;

  // An kInvalidArgument error whose message is "file:line:col: <message>".
  template <class... Args>
  std::unexpected<Error> ErrorAt(YamlNode node, fmt::format_string<Args...> f,
                                 Args&&... args) const {
    return MakeError(ErrorCode::kInvalidArgument,
                     Where(node) + ": " + fmt::format(f, std::forward<Args>(args)...));
  }
  // Prefixes an error from a lower layer (ParseDuration, FindZone, ...) with the node's position.
  std::unexpected<Error> WrapAt(YamlNode node, const Error& error,
                                std::string_view context = {}) const;

  // `node` as a mapping; duplicate keys and non-scalar keys are errors. `what` names the
  // mapping in errors ("task 'x'", "default_args").
  Result<YamlMap> Map(YamlNode node, std::string_view what) const;
  // Every key of `map` must be in `valid`; the error for the first one that is not names
  // `where` ("in task 'x'") and suggests the closest valid key, or lists them all.
  Status CheckKeys(const YamlMap& map, const std::vector<std::string>& valid,
                   std::string_view where) const;

  // Scalars read as the type a key needs. `key` names the value in errors. A scalar is text
  // as written: `2021-01-01` and `42` are fine where text is expected.
  Result<std::string> Text(const YamlEntry& e) const;
  Result<int64_t> Integer(const YamlEntry& e) const;
  Result<bool> Bool(const YamlEntry& e) const;
  Result<Duration> Dur(const YamlEntry& e) const;
  // A list of strings; a single scalar counts as a one-element list.
  Result<std::vector<std::string>> TextList(const YamlEntry& e) const;

  // Converts any node to JSON with YAML 1.2 core-schema typing of plain scalars
  // (null, true/false, integers, floats; everything else, dates included, is a string).
  // Quoted scalars are always strings.
  static Json ToJson(YamlNode node);

 private:
  std::string file_;
};

// True when a node is null (`key:`, `~`, `null`).
bool IsNullNode(YamlNode node);
// "a string", "a list", "a map", "null": what a node is, for type errors.
std::string_view Describe(YamlNode node);

}  // namespace weir
