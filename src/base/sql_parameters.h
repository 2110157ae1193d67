#pragma once

#include <string_view>

#include "base/json.h"
#include "base/status.h"

namespace weir {

// Bind parameters for SQL: values handed to the database next to a statement, never spliced
// into its text. One rule for every engine weir runs SQL on (DuckDB, SQLite):
//   - `parameters` is a JSON array for positional placeholders (`?`, `$1`, `?1`), counted
//     from 1 within each statement, or a JSON object for named ones (`$day`, `:day`, `@day`);
//   - `name` is the placeholder without its sigil: "1" for the first `?` or `$1`, "day".
// Returns the value to bind, or an error that names the placeholder and says how to give it.
Result<const Json*> SqlParameterValue(const Json& parameters, std::string_view name);

}  // namespace weir
