#include "model/yaml_tree.h"

#include <yaml.h>

#include <algorithm>
#include <memory>
#include <unordered_map>

namespace weir {

namespace {

const std::string kNoText;

SourcePos PosOf(const yaml_mark_t& mark) {
  return SourcePos{static_cast<int>(mark.line) + 1, static_cast<int>(mark.column) + 1};
}

bool IsNullText(std::string_view s) {
  return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

// The line and column of a byte offset (libyaml's reader errors give only the offset).
SourcePos PosOfOffset(std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  SourcePos pos{1, 1};
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++pos.line;
      pos.column = 1;
    } else {
      ++pos.column;
    }
  }
  return pos;
}

}  // namespace

bool YamlNode::IsNull() const {
  return tree_ == nullptr || tree_->nodes_[index_].kind == YamlTree::Kind::kNull;
}
bool YamlNode::IsScalar() const {
  return tree_ != nullptr && tree_->nodes_[index_].kind == YamlTree::Kind::kScalar;
}
bool YamlNode::IsList() const {
  return tree_ != nullptr && tree_->nodes_[index_].kind == YamlTree::Kind::kList;
}
bool YamlNode::IsMap() const {
  return tree_ != nullptr && tree_->nodes_[index_].kind == YamlTree::Kind::kMap;
}
bool YamlNode::IsPlain() const { return tree_ != nullptr && tree_->nodes_[index_].plain; }

const std::string& YamlNode::Scalar() const {
  return IsScalar() ? tree_->nodes_[index_].text : kNoText;
}

size_t YamlNode::size() const {
  if (tree_ == nullptr) return 0;
  const YamlTree::Node& n = tree_->nodes_[index_];
  if (n.kind == YamlTree::Kind::kList) return n.count;
  if (n.kind == YamlTree::Kind::kMap) return n.count / 2;
  return 0;
}

YamlNode YamlNode::operator[](size_t i) const {
  if (!IsList() || i >= size()) return {};
  return {tree_, tree_->children_[tree_->nodes_[index_].first + i]};
}

YamlNode YamlNode::Key(size_t i) const {
  if (!IsMap() || i >= size()) return {};
  return {tree_, tree_->children_[tree_->nodes_[index_].first + 2 * i]};
}

YamlNode YamlNode::Value(size_t i) const {
  if (!IsMap() || i >= size()) return {};
  return {tree_, tree_->children_[tree_->nodes_[index_].first + 2 * i + 1]};
}

SourcePos YamlNode::pos() const {
  return tree_ == nullptr ? SourcePos{} : tree_->nodes_[index_].pos;
}

// Builds a YamlTree from libyaml's events, counting values and depth as if every alias were
// expanded (an anchored node's cost is kept with it), and stopping at the first limit passed.
class YamlBuilder {
 public:
  YamlBuilder(std::string_view text, const std::string& fileloc, const YamlLimits& limits)
      : text_(text), fileloc_(fileloc), limits_(limits) {}

  // Fills `tree`; on failure `limit_passed` tells a limit from a syntax error.
  Status Build(YamlTree& tree, bool& limit_passed) {
    limit_passed = false;
    if (text_.size() > limits_.max_bytes) {
      limit_passed = true;
      return Err(ErrorCode::kInvalidArgument,
                 "{}:1:1: the file is {} bytes: a DAG file may be at most {} bytes ({} KiB); "
                 "split it into several DAGs",
                 fileloc_, text_.size(), limits_.max_bytes, limits_.max_bytes / 1024);
    }
    yaml_parser_t parser;
    if (yaml_parser_initialize(&parser) == 0) {
      return Err(ErrorCode::kInternal, "{}: cannot start the YAML parser", fileloc_);
    }
    std::unique_ptr<yaml_parser_t, decltype(&yaml_parser_delete)> owner(&parser,
                                                                        &yaml_parser_delete);
    yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(text_.data()),
                                 text_.size());
    tree_ = &tree;
    tree.nodes_.reserve(text_.size() / 8);
    for (;;) {
      yaml_event_t event;
      if (yaml_parser_parse(&parser, &event) == 0) return SyntaxError(parser);
      std::unique_ptr<yaml_event_t, decltype(&yaml_event_delete)> held(&event, &yaml_event_delete);
      if (event.type == YAML_STREAM_END_EVENT) return {};
      Status s = OnEvent(event);
      if (!s) {
        limit_passed = limit_passed_;
        return s;
      }
    }
  }

 private:
  // What a node costs once its aliases are expanded: how many values it stands for, and how
  // many levels of lists and maps it holds (0 for a scalar).
  struct Cost {
    size_t nodes = 0;
    size_t depth = 0;
  };
  struct Anchored {
    uint32_t index = 0;
    Cost cost;
  };
  struct Open {
    uint32_t index = 0;
    size_t pending_start = 0;  // its children so far: pending_[pending_start, ...)
    std::string anchor;
    Cost cost;  // the list or map itself plus its children so far
  };

  Status OnEvent(const yaml_event_t& event) {
    switch (event.type) {
      case YAML_DOCUMENT_START_EVENT:
      case YAML_DOCUMENT_END_EVENT:
        anchors_.clear();  // an anchor names a node of its own document only
        return {};
      case YAML_SCALAR_EVENT: {
        const auto& s = event.data.scalar;
        std::string_view text(reinterpret_cast<const char*>(s.value), s.length);
        bool plain = s.style == YAML_PLAIN_SCALAR_STYLE && s.tag == nullptr;
        YamlTree::Node node;
        node.pos = PosOf(event.start_mark);
        node.plain = plain;
        if (plain && IsNullText(text)) {
          node.kind = YamlTree::Kind::kNull;
        } else {
          node.kind = YamlTree::Kind::kScalar;
          node.text.assign(text);
        }
        TRY(Finish(event.start_mark, Cost{1, 0}));
        return Add(std::move(node), AnchorOf(s.anchor), Cost{1, 0});
      }
      case YAML_ALIAS_EVENT: {
        std::string name = AnchorOf(event.data.alias.anchor);
        auto it = anchors_.find(name);
        if (it == anchors_.end()) {
          return Err(ErrorCode::kInvalidArgument,
                     "{}: YAML syntax error: the alias *{} names no anchor (&{}) written before it",
                     Where(PosOf(event.start_mark)), name, name);
        }
        TRY(Finish(event.start_mark, it->second.cost));
        Attach(it->second.index, it->second.cost);
        return {};
      }
      case YAML_SEQUENCE_START_EVENT:
        return OpenNode(event.start_mark, YamlTree::Kind::kList,
                        AnchorOf(event.data.sequence_start.anchor));
      case YAML_MAPPING_START_EVENT:
        return OpenNode(event.start_mark, YamlTree::Kind::kMap,
                        AnchorOf(event.data.mapping_start.anchor));
      case YAML_SEQUENCE_END_EVENT:
      case YAML_MAPPING_END_EVENT:
        CloseNode();
        return {};
      default:
        return {};
    }
  }

  static std::string AnchorOf(const yaml_char_t* anchor) {
    return anchor == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(anchor));
  }

  std::string Where(SourcePos pos) const {
    return fmt::format("{}:{}:{}", fileloc_, pos.line, pos.column);
  }

  Status SyntaxError(const yaml_parser_t& parser) const {
    SourcePos pos = parser.error == YAML_READER_ERROR ? PosOfOffset(text_, parser.problem_offset)
                                                      : PosOf(parser.problem_mark);
    std::string problem = parser.problem != nullptr ? parser.problem : "the text is not YAML";
    if (parser.error == YAML_READER_ERROR) problem += " (a DAG file is UTF-8 text)";
    std::string context;
    if (parser.context != nullptr) {
      SourcePos at = PosOf(parser.context_mark);
      context = fmt::format(" ({} at line {}, column {})", parser.context, at.line, at.column);
    }
    return Err(ErrorCode::kInvalidArgument, "{}: YAML syntax error: {}{}", Where(pos), problem,
               context);
  }

  Status OpenNode(const yaml_mark_t& mark, YamlTree::Kind kind, std::string anchor) {
    if (open_.size() + 1 > limits_.max_depth) return LimitError(mark, DepthMessage());
    TRY(Count(mark, 1));
    YamlTree::Node node;
    node.kind = kind;
    node.pos = PosOf(mark);
    auto index = static_cast<uint32_t>(tree_->nodes_.size());
    tree_->nodes_.push_back(std::move(node));
    open_.push_back(Open{index, pending_.size(), std::move(anchor), Cost{1, 1}});
    return {};
  }

  void CloseNode() {
    if (open_.empty()) return;
    Open done = std::move(open_.back());
    open_.pop_back();
    YamlTree::Node& node = tree_->nodes_[done.index];
    node.first = static_cast<uint32_t>(tree_->children_.size());
    node.count = static_cast<uint32_t>(pending_.size() - done.pending_start);
    tree_->children_.insert(tree_->children_.end(),
                            pending_.begin() + static_cast<std::ptrdiff_t>(done.pending_start),
                            pending_.end());
    pending_.resize(done.pending_start);
    if (!done.anchor.empty()) anchors_[done.anchor] = Anchored{done.index, done.cost};
    Attach(done.index, done.cost);
  }

  // A scalar: kept, anchored if it has an anchor, and given to its list or map.
  Status Add(YamlTree::Node node, const std::string& anchor, Cost cost) {
    auto index = static_cast<uint32_t>(tree_->nodes_.size());
    tree_->nodes_.push_back(std::move(node));
    if (!anchor.empty()) anchors_[anchor] = Anchored{index, cost};
    Attach(index, cost);
    return {};
  }

  // Gives a finished node to the list or map open around it, or makes it a document.
  void Attach(uint32_t index, Cost cost) {
    if (open_.empty()) {
      tree_->roots_.push_back(index);
      return;
    }
    pending_.push_back(index);
    Cost& parent = open_.back().cost;
    parent.nodes += cost.nodes;
    parent.depth = std::max(parent.depth, cost.depth + 1);
  }

  // A scalar or an alias: counted now (a list or map is counted when it opens).
  Status Finish(const yaml_mark_t& mark, Cost cost) {
    if (open_.size() + cost.depth > limits_.max_depth) return LimitError(mark, DepthMessage());
    return Count(mark, cost.nodes);
  }

  Status Count(const yaml_mark_t& mark, size_t nodes) {
    total_ += nodes;
    if (total_ <= limits_.max_nodes) return {};
    return LimitError(
        mark, fmt::format("the file stands for more than {} YAML values once its aliases (*name) "
                          "are expanded: a DAG file may hold at most {}; use fewer or smaller "
                          "aliases, or split the DAG",
                          limits_.max_nodes, limits_.max_nodes));
  }

  std::string DepthMessage() const {
    return fmt::format(
        "lists and maps are nested more than {} deep (aliases expanded): a DAG "
        "file may nest at most {} levels",
        limits_.max_depth, limits_.max_depth);
  }

  Status LimitError(const yaml_mark_t& mark, const std::string& message) {
    limit_passed_ = true;
    return Err(ErrorCode::kInvalidArgument, "{}: {}", Where(PosOf(mark)), message);
  }

  std::string_view text_;
  const std::string& fileloc_;
  const YamlLimits& limits_;
  YamlTree* tree_ = nullptr;
  std::vector<Open> open_;
  std::vector<uint32_t> pending_;  // finished children of the open lists and maps
  std::unordered_map<std::string, Anchored> anchors_;
  size_t total_ = 0;  // values in the whole text, aliases expanded
  bool limit_passed_ = false;
};

Result<YamlTree> ParseYaml(std::string_view text, const std::string& fileloc,
                           const YamlLimits& limits) {
  YamlTree tree;
  bool limit_passed = false;
  TRY(YamlBuilder(text, fileloc, limits).Build(tree, limit_passed));
  return tree;
}

Status CheckYamlLimits(std::string_view text, const std::string& fileloc,
                       const YamlLimits& limits) {
  YamlTree tree;
  bool limit_passed = false;
  Status s = YamlBuilder(text, fileloc, limits).Build(tree, limit_passed);
  if (!s && limit_passed) return s;
  return {};  // within the limits; a syntax error is the real parse's to report
}

}  // namespace weir
