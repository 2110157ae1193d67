#pragma once

// For the engine's own tests: globals from a JSON object, and a render in one call.

#include <memory>
#include <string>
#include <string_view>

#include "base/json.h"
#include "template/ast.h"
#include "template/eval.h"

namespace weir::jinja {

// Each key of a JSON object is a global name with its value.
class JsonGlobals : public Globals {
 public:
  explicit JsonGlobals(Json values) : values_(std::make_shared<const Json>(std::move(values))) {}
  Eval<Value> Lookup(std::string_view name) const override {
    auto it = values_->find(std::string(name));
    if (it == values_->end()) return Missing(fmt::format("unknown name '{}'", name));
    return FromJson(*it, values_);
  }

 private:
  std::shared_ptr<const Json> values_;
};

// The rendered text, or "ERROR: " and the message.
inline std::string RenderWith(std::string_view source, const Json& globals) {
  auto root = ParseTemplate(source, "t");
  if (!root) return "ERROR: " + root.error().message;
  auto out = RenderTemplate(**root, JsonGlobals(globals), "t");
  if (!out) return "ERROR: " + out.error().message;
  return *out;
}

}  // namespace weir::jinja
