#include "model/template.h"

#include <algorithm>

#include "base/strings.h"
#include "model/template_context.h"
#include "template/ast.h"
#include "template/lexer.h"

namespace weir {

namespace {

using jinja::Expr;

bool Contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

bool IsFreeName(const Expr& e, std::string_view name, const std::vector<std::string>& bound) {
  return e.kind == Expr::Kind::kName && e.name == name && !Contains(bound, name);
}

// "color" for params.color or params['color']; empty otherwise.
std::string ParamKey(const Expr& e, const std::vector<std::string>& bound) {
  if (e.operands.empty() || !e.operands[0] || !IsFreeName(*e.operands[0], "params", bound)) {
    return {};
  }
  if (e.kind == Expr::Kind::kAttr) return e.name;
  if (e.kind == Expr::Kind::kItem && e.operands[1]->kind == Expr::Kind::kLiteral &&
      e.operands[1]->literal.is(jinja::Value::Kind::kString)) {
    return e.operands[1]->literal.str();
  }
  return {};
}

// Calls f(name, expr, tag) for every top-level name not bound by a loop.
template <class F>
void ForEachFreeName(const TemplateNode& root, F&& f) {
  std::vector<std::string> bound;
  jinja::VisitExprs(root.body, bound,
                    [&](const Expr& e, const std::vector<std::string>& b, jinja::Span tag) {
                      if (e.kind == Expr::Kind::kName && !Contains(b, e.name)) f(e, b, tag);
                    });
}

bool HasTemplateSyntax(std::string_view s) {
  for (size_t i = s.find('{'); i != std::string_view::npos && i + 1 < s.size();
       i = s.find('{', i + 1)) {
    char next = s[i + 1];
    if (next == '{' || next == '%' || next == '#') return true;
  }
  return false;
}

Status RenderInto(const Json& in, Json& out, const TemplateContext& ctx, std::string_view where,
                  std::string& path) {
  if (in.is_string()) {
    const auto& s = in.get_ref<const std::string&>();
    if (!HasTemplateSyntax(s)) {
      out = in;
      return {};
    }
    std::string label =
        where.empty() ? fmt::format("arg '{}'", path) : fmt::format("{} arg '{}'", where, path);
    Template t = TRY(Template::Parse(s, label));
    out = TRY(t.Render(ctx));
    return {};
  }
  size_t mark = path.size();
  if (in.is_object()) {
    out = Json::object();
    for (const auto& [key, value] : in.items()) {
      path += path.empty() ? key : "." + key;
      TRY(RenderInto(value, out[key], ctx, where, path));
      path.resize(mark);
    }
    return {};
  }
  if (in.is_array()) {
    out = Json::array();
    for (size_t i = 0; i < in.size(); ++i) {
      path += fmt::format("[{}]", i);
      out.push_back(nullptr);
      TRY(RenderInto(in[i], out.back(), ctx, where, path));
      path.resize(mark);
    }
    return {};
  }
  out = in;
  return {};
}

}  // namespace

Template::Template() = default;
Template::~Template() = default;
Template::Template(Template&&) noexcept = default;
Template& Template::operator=(Template&&) noexcept = default;

Result<Template> Template::Parse(std::string_view source, std::string_view where) {
  Template t;
  t.where_ = std::string(where);
  t.root_ = TRY(jinja::ParseTemplate(source, where));
  return t;
}

Result<std::string> Template::Render(const TemplateContext& ctx) const {
  if (root_->literal) return root_->source;
  return jinja::RenderWithContext(*root_, ctx, where_);
}

bool Template::is_literal() const { return root_->literal; }

std::vector<std::string> Template::ReferencedNames() const {
  std::vector<std::string> names;
  ForEachFreeName(*root_, [&](const Expr& e, const std::vector<std::string>&, jinja::Span) {
    if (!Contains(names, e.name)) names.push_back(e.name);
  });
  return names;
}

std::vector<std::string> Template::ReferencedParams() const {
  std::vector<std::string> keys;
  std::vector<std::string> bound;
  jinja::VisitExprs(root_->body, bound,
                    [&](const Expr& e, const std::vector<std::string>& b, jinja::Span) {
                      std::string key = ParamKey(e, b);
                      if (!key.empty() && !Contains(keys, key)) keys.push_back(key);
                    });
  return keys;
}

const std::vector<std::string>& TemplateNames() {
  static const auto* names = new std::vector<std::string>{
      "ds",
      "ds_nodash",
      "ts",
      "ts_nodash",
      "ts_nodash_with_tz",
      "logical_date",
      "execution_date",
      "data_interval_start",
      "data_interval_end",
      "prev_data_interval_start_success",
      "prev_data_interval_end_success",
      "run_id",
      "dag",
      "dag_run",
      "task",
      "task_instance",
      "ti",
      "params",
      "var",
      "conn",
      "macros",
      "yesterday_ds",
      "yesterday_ds_nodash",
      "tomorrow_ds",
      "tomorrow_ds_nodash",
      "task_instance_key_str",
      "range",
  };
  return *names;
}

Status CheckTemplate(std::string_view source, const std::vector<std::string>& param_names,
                     std::string_view where) {
  std::unique_ptr<TemplateNode> parsed = TRY(jinja::ParseTemplate(source, where));
  const TemplateNode& root = *parsed;
  auto tag_text = [&](jinja::Span tag) {
    return std::string_view(root.source).substr(tag.begin, tag.end - tag.begin);
  };
  std::string prefix = where.empty() ? std::string() : fmt::format("{}: ", where);
  std::optional<Error> error;
  std::vector<std::string> bound;
  jinja::VisitExprs(
      root.body, bound, [&](const Expr& e, const std::vector<std::string>& b, jinja::Span tag) {
        if (error) return;
        if (e.kind == Expr::Kind::kName && !Contains(b, e.name) &&
            !Contains(TemplateNames(), e.name)) {
          error = Error{ErrorCode::kInvalidArgument,
                        fmt::format("{}unknown name '{}' in {}{}", prefix, e.name, tag_text(tag),
                                    DidYouMean(e.name, TemplateNames()))};
          return;
        }
        std::string key = ParamKey(e, b);
        if (!key.empty() && !Contains(param_names, key)) {
          std::string declared = param_names.empty() ? "the DAG declares no params"
                                                     : "declared: " + Join(param_names, ", ");
          error = Error{ErrorCode::kInvalidArgument,
                        fmt::format("{}unknown param '{}' in {}{} ({})", prefix, key, tag_text(tag),
                                    DidYouMean(key, param_names), declared)};
        }
      });
  if (error) return std::unexpected(*error);
  return {};
}

Result<Json> RenderArgs(const Json& args, const TemplateContext& ctx, std::string_view where) {
  Json out;
  std::string path;
  TRY(RenderInto(args, out, ctx, where, path));
  return out;
}

}  // namespace weir
