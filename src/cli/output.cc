#include "cli/output.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "base/time.h"

namespace weir {

int ExitCodeFor(const Error& e) {
  switch (e.code) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kFailedPrecondition:
      return kExitUsage;
    case ErrorCode::kNotFound:
      return kExitNotFound;
    case ErrorCode::kUnavailable:
      return kExitUnavailable;
    default:
      return kExitFailed;
  }
}

int ReportError(const Error& e) {
  fmt::print(stderr, "error: {}\n", e.message);
  return ExitCodeFor(e);
}

Table::Table(std::vector<std::string> columns) : columns_(std::move(columns)) {}

void Table::AddRow(std::vector<std::string> cells) {
  Json row = Json::object();
  for (size_t i = 0; i < columns_.size() && i < cells.size(); ++i) row[columns_[i]] = cells[i];
  AddRow(std::move(cells), std::move(row));
}

void Table::AddRow(std::vector<std::string> cells, Json json_row) {
  cells.resize(columns_.size());
  rows_.push_back(std::move(cells));
  json_rows_.push_back(std::move(json_row));
}

std::string Table::Render() const {
  std::vector<size_t> width(columns_.size());
  for (size_t i = 0; i < columns_.size(); ++i) width[i] = columns_[i].size();
  for (const auto& r : rows_) {
    for (size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  }
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    std::string l;
    for (size_t i = 0; i < cells.size(); ++i) {
      l += cells[i];
      if (i + 1 < cells.size()) l += std::string(width[i] - cells[i].size() + 2, ' ');
    }
    while (!l.empty() && l.back() == ' ') l.pop_back();
    out += l + "\n";
  };
  line(columns_);
  std::vector<std::string> rule;
  rule.reserve(columns_.size());
  for (size_t i = 0; i < columns_.size(); ++i) rule.emplace_back(width[i], '-');
  line(rule);
  for (const auto& r : rows_) line(r);
  return out;
}

void Table::Print(OutputFormat format, const SecretMasker& masker) const {
  if (format == OutputFormat::kJson) {
    Json arr = Json::array();
    for (const auto& r : json_rows_) arr.push_back(r);
    masker.MaskJson(arr);
    fmt::print("{}\n", arr.dump(2));
    return;
  }
  std::string text = masker.Mask(Render());
  if (!text.empty() && text.back() != '\n') text += '\n';
  fmt::print("{}", text);
}

std::string ShortTime(const std::optional<Time>& t, const date::time_zone* zone) {
  if (!t) return "";
  return FormatTime(*t, "%Y-%m-%d %H:%M:%S", zone);
}

}  // namespace weir
