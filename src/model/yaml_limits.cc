#include "model/yaml_limits.h"

#include <sstream>
#include <unordered_map>
#include <vector>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

namespace weir {

namespace {

// What a node costs once its aliases are expanded: how many nodes it stands for, and how many
// levels of lists and maps it holds (0 for a scalar).
struct Cost {
  size_t nodes = 0;
  size_t depth = 0;
};

// Thrown from inside yaml-cpp's parser to stop it at the first limit passed.
struct LimitPassed {
  YAML::Mark mark;
  std::string message;
};

class LimitCounter final : public YAML::EventHandler {
 public:
  explicit LimitCounter(const YamlLimits& limits) : limits_(limits) {}

  void OnDocumentStart(const YAML::Mark&) override { anchors_.clear(); }
  void OnDocumentEnd() override { anchors_.clear(); }

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    Finish(mark, Cost{1, 0}, anchor);
  }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                const std::string&) override {
    Finish(mark, Cost{1, 0}, anchor);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto it = anchors_.find(anchor);
    // yaml-cpp refuses an unknown alias itself; count it as one node until it does.
    Finish(mark, it == anchors_.end() ? Cost{1, 0} : it->second, 0);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    Open(mark, anchor);
  }
  void OnSequenceEnd() override { Close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    Open(mark, anchor);
  }
  void OnMapEnd() override { Close(); }

 private:
  struct OpenNode {
    YAML::Mark mark;
    YAML::anchor_t anchor;
    Cost cost;  // the list or map itself plus its children so far
  };

  void Open(const YAML::Mark& mark, YAML::anchor_t anchor) {
    if (open_.size() + 1 > limits_.max_depth) {
      throw LimitPassed{mark, DepthMessage()};
    }
    Count(mark, 1);
    open_.push_back(OpenNode{mark, anchor, Cost{1, 1}});
  }

  void Close() {
    if (open_.empty()) return;
    OpenNode done = open_.back();
    open_.pop_back();
    if (done.anchor != 0) anchors_[done.anchor] = done.cost;
    AddToParent(done.cost);
  }

  // A scalar or an alias: counted now (a list or map is counted when it opens).
  void Finish(const YAML::Mark& mark, Cost cost, YAML::anchor_t anchor) {
    if (open_.size() + cost.depth > limits_.max_depth) throw LimitPassed{mark, DepthMessage()};
    Count(mark, cost.nodes);
    if (anchor != 0) anchors_[anchor] = cost;
    AddToParent(cost);
  }

  void AddToParent(Cost cost) {
    if (open_.empty()) return;
    Cost& parent = open_.back().cost;
    parent.nodes += cost.nodes;
    parent.depth = std::max(parent.depth, cost.depth + 1);
  }

  void Count(const YAML::Mark& mark, size_t nodes) {
    total_ += nodes;
    if (total_ > limits_.max_nodes) {
      throw LimitPassed{
          mark, fmt::format("the file stands for more than {} YAML values once its aliases (*name) "
                            "are expanded: a DAG file may hold at most {}; use fewer or smaller "
                            "aliases, or split the DAG",
                            limits_.max_nodes, limits_.max_nodes)};
    }
  }

  std::string DepthMessage() const {
    return fmt::format(
        "lists and maps are nested more than {} deep (aliases expanded): a DAG "
        "file may nest at most {} levels",
        limits_.max_depth, limits_.max_depth);
  }

  const YamlLimits& limits_;
  std::vector<OpenNode> open_;
  std::unordered_map<YAML::anchor_t, Cost> anchors_;
  size_t total_ = 0;  // nodes in the whole text, aliases expanded
};

}  // namespace

Status CheckYamlLimits(std::string_view text, const std::string& fileloc,
                       const YamlLimits& limits) {
  if (text.size() > limits.max_bytes) {
    return Err(ErrorCode::kInvalidArgument,
               "{}:1:1: the file is {} bytes: a DAG file may be at most {} bytes ({} KiB); split "
               "it into several DAGs",
               fileloc, text.size(), limits.max_bytes, limits.max_bytes / 1024);
  }
  std::istringstream in{std::string(text)};
  LimitCounter counter(limits);
  try {
    YAML::Parser parser(in);
    while (parser.HandleNextDocument(counter)) {
    }
  } catch (const LimitPassed& e) {
    return Err(ErrorCode::kInvalidArgument, "{}:{}:{}: {}", fileloc,
               e.mark.is_null() ? 1 : e.mark.line + 1, e.mark.is_null() ? 1 : e.mark.column + 1,
               e.message);
  } catch (const YAML::Exception&) {
    // A syntax error: the real parse reports it with its position.
    return {};
  }
  return {};
}

}  // namespace weir
