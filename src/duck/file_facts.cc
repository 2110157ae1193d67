#include "duck/file_facts.h"

namespace weir {

namespace {

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::string TabularFormatOf(const std::string& path) {
  std::string p = Lower(path);
  if (EndsWith(p, ".parquet")) return "parquet";
  for (std::string_view ext : {".csv", ".csv.gz", ".tsv", ".tsv.gz"}) {
    if (EndsWith(p, ext)) return "csv";
  }
  return "";
}

Result<FileFacts> ReadFileFacts(const std::string& path, const DuckOptions& options) {
  FileFacts facts;
  facts.format = TabularFormatOf(path);
  if (facts.format.empty()) return facts;
  auto db = TRY(DuckDatabase::Open("", options));
  auto con = TRY(db->Connect());
  std::string source = facts.format == "parquet" ? fmt::format("read_parquet({})", DuckString(path))
                                                 : fmt::format("read_csv({})", DuckString(path));
  std::string what = fmt::format("reading {} as {}", path, facts.format);
  DuckRows described = TRY(con.Query("DESCRIBE SELECT * FROM " + source, what));
  for (const auto& row : described.rows) {
    if (row.size() < 2) continue;
    const auto& name = row[0];
    const auto& type = row[1];
    if (!name || !type) continue;
    facts.columns.push_back(ColumnInfo{*name, *type});
  }
  std::string counts = "count(*)";
  for (const auto& c : facts.columns) {
    std::string id = "\"";
    for (char ch : c.name) id += ch == '"' ? std::string("\"\"") : std::string(1, ch);
    counts += ", count(" + id + "\")";
  }
  DuckRows counted = TRY(con.Query(fmt::format("SELECT {} FROM {}", counts, source), what));
  if (!counted.rows.empty() && counted.rows[0].size() == facts.columns.size() + 1) {
    const auto& row = counted.rows[0];
    if (const auto& count = row[0]) facts.rows = std::stoll(*count);
    for (size_t i = 0; i < facts.columns.size(); ++i) {
      facts.columns[i].empty = row[i + 1].value_or("0") == "0";
    }
  }
  return facts;
}

Json ColumnsToJson(const std::vector<ColumnInfo>& columns) {
  Json out = Json::array();
  for (const auto& c : columns) {
    Json j{{"name", c.name}, {"type", c.type}};
    if (c.empty) j["empty"] = true;
    out.push_back(std::move(j));
  }
  return out;
}

Result<std::vector<ColumnInfo>> ColumnsFromJson(const Json& j) {
  std::vector<ColumnInfo> out;
  if (!j.is_array()) return Err(ErrorCode::kInvalidArgument, "columns must be a list");
  for (const Json& c : j) {
    if (!c.is_object() || !c.contains("name") || !c["name"].is_string()) {
      return Err(ErrorCode::kInvalidArgument, "each column needs a name: {}", c.dump());
    }
    out.push_back(ColumnInfo{c["name"].get<std::string>(), c.value("type", std::string()),
                             c.value("empty", false)});
  }
  return out;
}

}  // namespace weir
