#pragma once

// Airflow's template context (ds, ts, ti, params, var, conn, macros, ...) over a
// TemplateContext (private to model/template*).

#include <string>
#include <string_view>

#include "base/status.h"
#include "model/template.h"
#include "template/ast.h"

namespace weir::jinja {

// Renders a parsed template with the names of `ctx`.
Result<std::string> RenderWithContext(const TemplateNode& root, const TemplateContext& ctx,
                                      std::string_view where);

}  // namespace weir::jinja
