#include "duck/file_facts.h"

#include <gtest/gtest.h>

#include <fstream>

#include "env/temp_dir.h"

namespace weir {
namespace {

void Write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

TEST(FileFacts, FormatComesFromTheName) {
  EXPECT_EQ(TabularFormatOf("a/b.parquet"), "parquet");
  EXPECT_EQ(TabularFormatOf("x.CSV"), "csv");
  EXPECT_EQ(TabularFormatOf("x.csv.gz"), "csv");
  EXPECT_EQ(TabularFormatOf("x.tsv"), "csv");
  EXPECT_EQ(TabularFormatOf("x.json"), "");
  EXPECT_EQ(TabularFormatOf("parquet"), "");
}

TEST(FileFacts, ParquetSchemaAndRowsComeFromTheFile) {
  TempDir dir;
  std::string path = dir.Join("t.parquet");
  auto db = DuckDatabase::Open("").value();
  auto con = db->Connect().value();
  ASSERT_TRUE(con.Execute("COPY (SELECT range AS id, 'x' || range AS name, range * 0.5 AS fare "
                          "FROM range(1234)) TO " +
                          DuckString(path) + " (FORMAT parquet)")
                  .has_value());
  auto facts = ReadFileFacts(path, {});
  ASSERT_TRUE(facts.has_value()) << facts.error().message;
  EXPECT_EQ(facts->format, "parquet");
  EXPECT_EQ(facts->rows, 1234);
  EXPECT_EQ(facts->columns, (std::vector<ColumnInfo>{
                                {"id", "BIGINT"}, {"name", "VARCHAR"}, {"fare", "DECIMAL(21,1)"}}));
}

TEST(FileFacts, CsvIsSniffedAndCounted) {
  TempDir dir;
  std::string path = dir.Join("it's.csv");  // a quote in the path is escaped
  Write(path, "VendorID,fare,when\n1,.20,2021-01-01 00:30:10\n,3.5,2021-01-01 01:00:00\n");
  auto facts = ReadFileFacts(path, {});
  ASSERT_TRUE(facts.has_value()) << facts.error().message;
  EXPECT_EQ(facts->format, "csv");
  EXPECT_EQ(facts->rows, 2);
  EXPECT_EQ(
      facts->columns,
      (std::vector<ColumnInfo>{{"VendorID", "BIGINT"}, {"fare", "DOUBLE"}, {"when", "TIMESTAMP"}}));
}

TEST(FileFacts, OtherFilesHaveNoSchemaAndBrokenParquetIsAnError) {
  TempDir dir;
  Write(dir.Join("notes.txt"), "hello");
  auto other = ReadFileFacts(dir.Join("notes.txt"), {});
  ASSERT_TRUE(other.has_value());
  EXPECT_EQ(other->format, "");
  EXPECT_TRUE(other->columns.empty());
  EXPECT_FALSE(other->rows.has_value());

  Write(dir.Join("bad.parquet"), "<html>not found</html>");
  auto bad = ReadFileFacts(dir.Join("bad.parquet"), {});
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("bad.parquet"), std::string::npos) << bad.error().message;
}

TEST(FileFacts, ColumnsRoundTripThroughJson) {
  std::vector<ColumnInfo> columns = {{"a", "BIGINT"}, {"b", "VARCHAR"}};
  auto back = ColumnsFromJson(ColumnsToJson(columns));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, columns);
  EXPECT_FALSE(ColumnsFromJson(Json::object()).has_value());
  EXPECT_FALSE(ColumnsFromJson(Json::array({Json{{"type", "X"}}})).has_value());
}

}  // namespace
}  // namespace weir
