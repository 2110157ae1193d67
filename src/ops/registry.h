#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/operator_schema.h"
#include "ops/operator.h"

namespace weir {

// The built-in operators. Each is stateless and lives for the whole program.

// The operator called `name` ("bash"), or nullptr when there is none (callers suggest a
// name with DidYouMean(name, OperatorNames())).
const Operator* FindOperator(std::string_view name);

// Every operator's schema, sorted by name: what the DAG loader validates tasks against.
std::vector<OperatorSchema> OperatorSchemas();

// Every operator's name, sorted.
std::vector<std::string> OperatorNames();

}  // namespace weir
