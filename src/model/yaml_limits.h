#pragma once

// Bounds on what one YAML text may cost to load, checked while it is parsed (yaml_tree.h).
//
// A tree shares an anchored node between its aliases, so a 500-byte file of nested aliases
// ("billion laughs") parses into a few nodes, but every walk over the result (conversion to
// JSON, merge keys, validation) visits each alias again and grows with the expanded size. A
// chain of aliases nested thousands deep makes those recursive walks overflow the stack. The
// parse counts values and depth as if every alias were expanded and stops at the first limit
// passed, so that whatever walks the tree afterwards stays within the limits.

#include <cstddef>
#include <string>
#include <string_view>

#include "base/status.h"

namespace weir {

struct YamlLimits {
  size_t max_bytes = 1 << 20;  // the text itself: 1 MiB
  size_t max_depth = 64;       // nested lists and maps, aliases expanded
  size_t max_nodes = 200'000;  // scalars, lists and maps, aliases expanded
};

// Succeeds when `text` is within `limits`. Otherwise a kInvalidArgument error starting with
// "fileloc:line:col: " that names the limit that was passed and how to stay under it. YAML
// syntax errors are left to ParseYaml's caller (this check reports only the limits). Never
// throws. ParseYaml checks the same limits; this is for callers that want only the check.
Status CheckYamlLimits(std::string_view text, const std::string& fileloc,
                       const YamlLimits& limits = {});

}  // namespace weir
