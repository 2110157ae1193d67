#pragma once

#include <string_view>

namespace weir {

// The standard reason phrase of an HTTP status ("Not Found"), or "" for one weir does not
// know. The one table for the HTTP client (net/) and weir's server (web/).
std::string_view HttpReason(int status);

}  // namespace weir
