#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace weir {

// What kind of failure an Error is. Callers branch on the code; people read the message.
enum class ErrorCode {
  kInvalidArgument,     // the input is wrong: a DAG file, a flag, a template
  kNotFound,            // a named thing does not exist
  kAlreadyExists,       // a thing that must be unique exists already
  kFailedPrecondition,  // the system is not in a state that allows the operation
  kIo,                  // a file or process operation failed
  kUnavailable,         // a resource is busy or unreachable; retrying may help
  kTimeout,             // a deadline passed
  kInternal,            // a broken invariant: a bug in weir
};

std::string_view ErrorCodeName(ErrorCode code);

// An error a user can act on: the message says what failed, on which input, and what to do.
struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;

  // Returns a copy whose message is "<context>: <message>".
  Error Wrap(std::string_view context) const;
};

// Result<T> holds a T or an Error. It is [[nodiscard]]: ignoring an error is a bug.
template <class T>
class [[nodiscard]] Result : public std::expected<T, Error> {
 public:
  using std::expected<T, Error>::expected;
  Result(const std::expected<T, Error>& e) : std::expected<T, Error>(e) {}        // NOLINT
  Result(std::expected<T, Error>&& e) : std::expected<T, Error>(std::move(e)) {}  // NOLINT
};

// A Status is a Result with no value: `return {};` is success.
using Status = Result<void>;

inline std::unexpected<Error> MakeError(ErrorCode code, std::string message) {
  return std::unexpected<Error>(Error{code, std::move(message)});
}

// Err(kNotFound, "no DAG named '{}'", id): an error with a fmt-formatted message.
template <class... Args>
std::unexpected<Error> Err(ErrorCode code, fmt::format_string<Args...> f, Args&&... args) {
  return MakeError(code, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace weir

// TRY(expr): evaluates a Result; on error returns the error from the enclosing function,
// otherwise yields the value. Works for Result<void> too.
// `var` is the name of the variable the macros declare, which cannot be parenthesized.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define WEIR_TRY_CONCAT_(a, b) a##b
#define WEIR_TRY_NAME_(n) WEIR_TRY_CONCAT_(weir_try_result_, n)
#define TRY(expr) WEIR_TRY_IMPL_(expr, WEIR_TRY_NAME_(__COUNTER__))
#define WEIR_TRY_IMPL_(expr, var)                                         \
  ({                                                                      \
    auto&& var = (expr);                                                  \
    if (!var.has_value()) return std::unexpected(std::move(var).error()); \
    std::move(var).value();                                               \
  })

// TRY_CONTEXT(expr, "loading x"): like TRY, but prefixes the error message with the context.
#define TRY_CONTEXT(expr, context) WEIR_TRY_CTX_IMPL_(expr, context, WEIR_TRY_NAME_(__COUNTER__))
#define WEIR_TRY_CTX_IMPL_(expr, context, var)                                 \
  ({                                                                           \
    auto&& var = (expr);                                                       \
    if (!var.has_value()) return std::unexpected(var.error().Wrap((context))); \
    std::move(var).value();                                                    \
  })
// NOLINTEND(bugprone-macro-parentheses)
