#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace weir {

std::string_view Trim(std::string_view s);
std::vector<std::string> Split(std::string_view s, char sep);
std::string Join(const std::vector<std::string>& parts, std::string_view sep);
std::string ToLower(std::string_view s);
std::string ToUpper(std::string_view s);

// Levenshtein distance, for "did you mean" suggestions.
size_t EditDistance(std::string_view a, std::string_view b);
// The candidate closest to `word` if it is close enough to be a plausible typo
// (distance <= max(2, len/3)); empty otherwise.
std::string ClosestMatch(std::string_view word, const std::vector<std::string>& candidates);
// " (did you mean 'x'?)" or "" : ready to append to an error message.
std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates);

// A byte count for people: "812 B", "4.2 KB", "118.3 MB", "2.0 GB" (powers of 1000).
std::string FormatBytes(int64_t bytes);

// Quotes s for a POSIX shell, for log headers that show what ran.
std::string ShellQuote(std::string_view s);

}  // namespace weir
