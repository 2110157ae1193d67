#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/json.h"
#include "base/status.h"

namespace weir {

// Hides secret values in text that leaves weir: logs, API answers, CLI output.
//
// A secret is hidden wherever it appears raw and in each form an encoding gives it:
// JSON-escaped (as nlohmann, Python's json.dumps and JavaScript write strings, with and
// without \u escapes for non-ASCII), as Python's repr() escapes it, shell-quoted (inside '...',
// inside "...", and backslash-escaped) and URL-encoded (%XX, and + for spaces in forms). A secret
// whose value is a JSON object or array is also hidden by each of its scalar leaves (what
// `{{ var.json.NAME.field }}` renders), and by its compact JSON text. Forms are taken two
// encodings deep (a JSON-escaped secret inside a Python repr). Every stretch of text
// covered by one or more of these patterns becomes "***".
//
// Values shorter than kMinSecretLength are not hidden: see kMinSecretLength.
//
// Constant after construction; safe to share between threads.
class SecretMasker {
 public:
  // The shortest value hidden. Hiding shorter ones would replace every "ok", "200" or
  // "true" in every log, and a value that short is guessed in seconds by anyone who can
  // trigger a run. Weir refuses to store a secret variable shorter than this
  // (CheckSecretValue), so no stored secret is left visible; the leaves of a JSON secret
  // that are shorter (a port, a flag) are not hidden.
  static constexpr size_t kMinSecretLength = 4;
  static constexpr std::string_view kMask = "***";

  SecretMasker() = default;  // hides nothing
  explicit SecretMasker(const std::vector<std::string>& secrets);
  // The masker whose patterns() are `patterns`: another process's masker, sent as its
  // patterns (a worker's copy of the scheduler's, exec/redis/).
  static SecretMasker FromPatterns(const std::vector<std::string>& patterns);

  bool empty() const { return patterns_.empty(); }
  // The length of the longest pattern: a stretch of text can be masked correctly alone
  // only when it comes with context() bytes before and after it (MaskRange).
  size_t context() const { return longest_ == 0 ? 0 : longest_ - 1; }

  // `text` with every secret hidden.
  std::string Mask(std::string_view text) const;
  // Every string in `value` (object keys too) with every secret hidden.
  void MaskJson(Json& value) const;

  // A stretch [from, to) of a longer text, masked: `window` holds it with up to context()
  // bytes of the text before `from` and after `to` (fewer only where the text starts or
  // ends); `complete` says the window ends where the text ends for good.
  struct Range {
    std::string text;  // the masked bytes [from, end)
    // Where the next stretch starts. Past `to` when a secret crosses `to` (it comes whole);
    // before `to` when the window may end inside a secret that is still being written (those
    // bytes wait for more text; never before `from`).
    size_t end = 0;
  };
  Range MaskRange(std::string_view window, size_t from, size_t to, bool complete) const;

  // The patterns, longest first (for tests and diagnostics).
  const std::vector<std::string>& patterns() const { return patterns_; }

 private:
  struct Span {
    size_t begin, end;
  };
  // Sorts patterns_ longest first and builds the lookup tables from them.
  void Index();
  // The stretches of `text` covered by a pattern, in order, overlapping ones merged.
  std::vector<Span> Find(std::string_view text) const;
  // How many bytes at the end of `text` could begin a pattern that continues past it.
  size_t PossibleStartAtEnd(std::string_view text) const;

  std::vector<std::string> patterns_;  // longest first
  // Every pattern is at least kPrefix bytes long; a position of the text is compared only
  // with the patterns that start with its next kPrefix bytes (most positions: none).
  static constexpr size_t kPrefix = 4;
  static_assert(kMinSecretLength >= kPrefix);
  static uint32_t PrefixOf(const char* at);
  std::array<uint64_t, 4> first_bytes_{};                     // a set of first bytes
  std::unordered_map<uint32_t, std::vector<int>> by_prefix_;  // indexes into patterns_
  size_t longest_ = 0;
};

// Hides secrets in text that arrives in pieces (a task's output): bytes that could begin a
// secret are held until the next piece shows whether they do. Feed and Finish together
// return the whole text, masked as SecretMasker::Mask would mask it at once.
// Pass the same masker to every call.
class MaskingStream {
 public:
  // The masked text that can be written now.
  std::string Feed(const SecretMasker& masker, std::string_view piece);
  // The rest, at the end of the text.
  std::string Finish(const SecretMasker& masker);

 private:
  std::string held_;
};

// OK when `value` is long enough to be hidden (kMinSecretLength); kInvalidArgument saying
// why otherwise. Every way of storing a secret checks this.
Status CheckSecretValue(std::string_view value);

// The forms `secret` takes once encoded (see SecretMasker), the raw value first.
std::vector<std::string> EncodedForms(std::string_view secret);

}  // namespace weir
