#pragma once

// A YAML text parsed into a compact tree that keeps every node's position: libyaml's event
// parser feeds one vector of nodes, and the limits of yaml_limits.h are counted in the same
// pass (bytes before it; values and depth with aliases expanded while it builds). Nothing is
// typed here: a scalar is its text and whether it was written plain; YamlReader gives it a
// type where a key needs one.
//
// An alias is the node its anchor names (shared, never copied), so a tree costs what the
// text costs; the limits make every walk over it bounded all the same.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "model/dag.h"
#include "model/yaml_limits.h"

namespace weir {

class YamlTree;

// One node of a YamlTree: a handle to copy freely, valid while its tree lives. A
// default-constructed node is "not there" and reads as null.
class YamlNode {
 public:
  YamlNode() = default;

  bool IsDefined() const { return tree_ != nullptr; }
  // Not there, or a plain `~`, `null` (`Null`, `NULL`) or nothing at all (`key:`).
  bool IsNull() const;
  bool IsScalar() const;  // a scalar that is not null
  bool IsList() const;
  bool IsMap() const;
  // A scalar written without quotes or a tag: the only kind that reads as a number, a
  // boolean or null.
  bool IsPlain() const;

  // A scalar's text; "" for anything else.
  const std::string& Scalar() const;
  // Items of a list, pairs of a map, 0 for anything else.
  size_t size() const;
  // Item i of a list.
  YamlNode operator[](size_t i) const;
  // Pair i of a map.
  YamlNode Key(size_t i) const;
  YamlNode Value(size_t i) const;
  // 1-based line and column where the node starts; {0, 0} when not there.
  SourcePos pos() const;

  // The items of a list (nothing for a map or a scalar), for range-for.
  class Iterator;
  Iterator begin() const;
  Iterator end() const;

 private:
  friend class YamlTree;
  YamlNode(const YamlTree* tree, uint32_t index) : tree_(tree), index_(index) {}

  const YamlTree* tree_ = nullptr;
  uint32_t index_ = 0;
};

class YamlNode::Iterator {
 public:
  Iterator(YamlNode list, size_t i) : list_(list), i_(i) {}
  YamlNode operator*() const { return list_[i_]; }
  Iterator& operator++() {
    ++i_;
    return *this;
  }
  bool operator!=(const Iterator& other) const { return i_ != other.i_; }

 private:
  YamlNode list_;
  size_t i_;
};

inline YamlNode::Iterator YamlNode::begin() const { return {*this, 0}; }
inline YamlNode::Iterator YamlNode::end() const { return {*this, IsList() ? size() : 0}; }

// Every document of one YAML text.
class YamlTree {
 public:
  enum class Kind : uint8_t { kNull, kScalar, kList, kMap };

  // The documents in order (none for a text of only comments).
  size_t documents() const { return roots_.size(); }
  YamlNode document(size_t i) const { return YamlNode(this, roots_[i]); }

 private:
  friend class YamlNode;
  friend class YamlBuilder;

  struct Node {
    std::string text;    // a scalar's
    uint32_t first = 0;  // its children in children_: a list's items, a map's key, value, ...
    uint32_t count = 0;
    SourcePos pos;
    Kind kind = Kind::kNull;
    bool plain = false;
  };

  std::vector<Node> nodes_;
  std::vector<uint32_t> children_;
  std::vector<uint32_t> roots_;
};

// Parses `text` (named `fileloc` in errors). A syntax error is a kInvalidArgument error
// "fileloc:line:col: YAML syntax error: ..."; a text over `limits` is refused with the
// messages CheckYamlLimits gives, before its nodes are kept. Never throws.
Result<YamlTree> ParseYaml(std::string_view text, const std::string& fileloc,
                           const YamlLimits& limits = {});

}  // namespace weir
