#pragma once

// The parsed form of a template (ParseTemplate, VisitExprs: the layer's entry): a tree of nodes
// (text, output, if, for) holding expression trees. Spans are offsets into the source, for error
// messages.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "template/value.h"

namespace weir::jinja {

// A filter: `x | name(args)`. `default` is handled by the evaluator (it sees undefined input).
using FilterFn = Eval<Value> (*)(const Value& input, const CallArgs& args);
// A test: `x is name(args)`. `defined`/`undefined` are handled by the evaluator.
using TestFn = Eval<bool> (*)(const Value& input, const CallArgs& args);

FilterFn FindFilter(std::string_view name);
TestFn FindTest(std::string_view name);
const std::vector<std::string>& FilterNames();
const std::vector<std::string>& TestNames();

struct Span {
  uint32_t begin = 0;
  uint32_t end = 0;
};

enum class BinaryOp {
  kAdd,
  kSub,
  kMul,
  kDiv,
  kFloorDiv,
  kMod,
  kPow,
  kConcat,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kIn,
  kNotIn,
  kAnd,
  kOr
};

struct Expr {
  enum class Kind {
    kLiteral,  // literal
    kName,     // name
    kAttr,     // operands[0].name
    kItem,     // operands[0][operands[1]]
    kSlice,    // operands[0][operands[1]:operands[2]] (null operands are open ends)
    kCall,     // operands[0](operands[1..], kwargs)
    kFilter,   // operands[0] | name(operands[1..], kwargs)
    kTest,     // operands[0] is [not] name(operands[1..])
    kNot,      // not operands[0]
    kNeg,      // -operands[0]
    kBinary,   // operands[0] op operands[1]
    kCond,     // operands[0] if operands[1] else operands[2] (null: empty string)
    kList,     // [operands...]
  };
  Kind kind = Kind::kLiteral;
  Span span;
  std::string name;
  Value literal;
  BinaryOp op = BinaryOp::kAdd;
  bool negated = false;  // `is not`
  FilterFn filter = nullptr;
  TestFn test = nullptr;
  std::vector<std::unique_ptr<Expr>> operands;
  std::vector<std::pair<std::string, std::unique_ptr<Expr>>> kwargs;
};

struct Node;
using Body = std::vector<Node>;

struct IfBranch {
  Span tag;                         // the `{% if %}`, `{% elif %}` or `{% else %}`
  std::unique_ptr<Expr> condition;  // null for `else`
  Body body;
};

struct Node {
  enum class Kind { kText, kOutput, kIf, kFor };
  Kind kind = Kind::kText;
  Span tag;                            // the `{{ ... }}` or `{% ... %}` that opened the node
  std::string text;                    // kText
  std::unique_ptr<Expr> expr;          // kOutput, kFor (the iterable)
  std::vector<std::string> loop_vars;  // kFor: `for k, v in ...`
  std::vector<IfBranch> branches;      // kIf
  Body body;                           // kFor
  Body else_body;                      // kFor: `{% else %}` when the iterable is empty
};

}  // namespace weir::jinja

namespace weir {

// The root of a parsed template (declared in template.h).
class TemplateNode {
 public:
  std::string source;
  jinja::Body body;
  bool literal = true;  // no tags at all
};

namespace jinja {

// Parses `source`; a syntax error names `where`, the line and column, and what was expected.
Result<std::unique_ptr<TemplateNode>> ParseTemplate(std::string_view source,
                                                    std::string_view where);

// Visits every expression of the tree with the loop variables bound around it and the tag it
// is written in.
using ExprVisitor =
    std::function<void(const Expr& e, const std::vector<std::string>& bound, Span tag)>;
void VisitExprs(const Body& body, std::vector<std::string>& bound, const ExprVisitor& f);

}  // namespace jinja
}  // namespace weir
