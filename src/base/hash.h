#pragma once

#include <string>
#include <string_view>

namespace weir {

// The SHA-256 of `data` as 64 lowercase hex digits. Used to tell versions of a DAG file
// apart (one DAG version per distinct hash). Never fails.
std::string Sha256Hex(std::string_view data);

}  // namespace weir
