#pragma once

#include <string_view>

namespace weir {

// The OpenAPI 3.0 document of the REST API (docs/api.md), as kept in src/web/openapi.json
// and built into the binary: the text of GET /api/v1/openapi.json.
std::string_view OpenApiDocument();

}  // namespace weir
