// The YAML tree: structure, positions, scalar styles, aliases, documents and errors.

#include "model/yaml_tree.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "model/yaml_reader.h"

namespace weir {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

YamlTree Parse(const std::string& text) {
  auto tree = ParseYaml(text, "t.yaml");
  EXPECT_TRUE(tree.has_value()) << tree.error().message;
  return tree ? std::move(*tree) : YamlTree();
}

std::string ParseError(const std::string& text) {
  auto tree = ParseYaml(text, "t.yaml");
  EXPECT_FALSE(tree.has_value()) << text;
  return tree ? std::string() : tree.error().message;
}

TEST(YamlTree, ListsMapsAndScalarsInFileOrder) {
  YamlTree tree = Parse("b: 1\na: [x, {y: z}]\nc:\n  - p\n  - q\n");
  ASSERT_EQ(tree.documents(), 1u);
  YamlNode root = tree.document(0);
  ASSERT_TRUE(root.IsMap());
  ASSERT_EQ(root.size(), 3u);
  EXPECT_EQ(root.Key(0).Scalar(), "b");
  EXPECT_EQ(root.Value(0).Scalar(), "1");
  EXPECT_EQ(root.Key(1).Scalar(), "a");
  YamlNode a = root.Value(1);
  ASSERT_TRUE(a.IsList());
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].Scalar(), "x");
  ASSERT_TRUE(a[1].IsMap());
  EXPECT_EQ(a[1].Value(0).Scalar(), "z");
  std::vector<std::string> items;
  for (YamlNode item : root.Value(2)) items.push_back(item.Scalar());
  EXPECT_EQ(items, (std::vector<std::string>{"p", "q"}));
  // Out of range and wrong kinds read as nodes that are not there.
  EXPECT_FALSE(a[2].IsDefined());
  EXPECT_FALSE(root[0].IsDefined());
  EXPECT_FALSE(a.Key(0).IsDefined());
  EXPECT_EQ(root.Value(0).size(), 0u);
  EXPECT_EQ(a.Scalar(), "");
  int walked = 0;
  for (YamlNode n : root) {
    (void)n;
    ++walked;  // a map has no items to walk
  }
  EXPECT_EQ(walked, 0);
}

TEST(YamlTree, PositionsAreOneBased) {
  YamlTree tree = Parse("dag_id: x\ntasks:\n  - task_id: 'a'\n    operator: bash\n");
  YamlNode root = tree.document(0);
  EXPECT_EQ(root.pos().line, 1);
  EXPECT_EQ(root.pos().column, 1);
  YamlNode task = root.Value(1)[0];
  EXPECT_EQ(task.pos().line, 3);
  EXPECT_EQ(task.pos().column, 5);
  EXPECT_EQ(task.Value(0).pos().column, 14);  // the quote
  EXPECT_EQ(task.Key(1).pos().line, 4);
  EXPECT_EQ(YamlNode().pos().line, 0);
}

TEST(YamlTree, NullsAndPlainScalars) {
  YamlTree tree = Parse("a:\nb: ~\nc: null\nd: NULL\ne: ''\nf: 'null'\ng: !!str 7\nh: 7\n");
  YamlNode root = tree.document(0);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_TRUE(root.Value(i).IsNull()) << root.Key(i).Scalar();
    EXPECT_FALSE(root.Value(i).IsScalar()) << root.Key(i).Scalar();
  }
  EXPECT_TRUE(root.Value(4).IsScalar());  // quoted: text, even when empty
  EXPECT_FALSE(root.Value(4).IsPlain());
  EXPECT_EQ(root.Value(5).Scalar(), "null");
  EXPECT_FALSE(root.Value(5).IsPlain());
  EXPECT_FALSE(root.Value(6).IsPlain());  // a tag makes it text
  EXPECT_TRUE(root.Value(7).IsPlain());
  EXPECT_TRUE(YamlNode().IsNull());
  Json j = YamlReader::ToJson(root);
  EXPECT_EQ(j, Json::parse(R"({"a": null, "b": null, "c": null, "d": null, "e": "", "f": "null",
                               "g": "7", "h": 7})"));
}

TEST(YamlTree, AnAliasIsTheAnchoredNode) {
  YamlTree tree = Parse("d: &d {x: 1}\nl: [*d, *d]\ns: &s word\nt: *s\n");
  YamlNode root = tree.document(0);
  YamlNode list = root.Value(1);
  EXPECT_EQ(list[0].pos().line, 1);  // shared, not copied: it keeps the anchor's position
  EXPECT_EQ(list[1].Value(0).Scalar(), "1");
  EXPECT_EQ(root.Value(3).Scalar(), "word");
  YamlReader reader("t.yaml");
  YamlTree with_merge = Parse("a: &a {x: 1, y: 2}\nb: {<<: *a, y: 3}\n");
  auto merged = reader.Map(with_merge.document(0).Value(1), "b");
  ASSERT_TRUE(merged.has_value());
  ASSERT_EQ(merged->entries.size(), 2u);
  EXPECT_EQ(merged->Find("y")->value.Scalar(), "3");  // explicit keys win over merged ones
  EXPECT_EQ(merged->Find("x")->value.Scalar(), "1");
}

TEST(YamlTree, UnknownAliasesAndAnchorsOfOtherDocumentsAreErrors) {
  EXPECT_THAT(ParseError("a: 1\nb: *nope\n"),
              StartsWith("t.yaml:2:4: YAML syntax error: the alias *nope names no anchor"));
  EXPECT_THAT(ParseError("a: &x 1\n---\nb: *x\n"), StartsWith("t.yaml:3:4: "));
}

TEST(YamlTree, DocumentsAndEmptyTexts) {
  EXPECT_EQ(Parse("").documents(), 0u);
  EXPECT_EQ(Parse("# only a comment\n").documents(), 0u);
  YamlTree two = Parse("a: 1\n---\nb: 2\n");
  ASSERT_EQ(two.documents(), 2u);
  EXPECT_EQ(two.document(1).pos().line, 3);
  YamlTree empty_doc = Parse("---\n");
  ASSERT_EQ(empty_doc.documents(), 1u);
  EXPECT_TRUE(empty_doc.document(0).IsNull());
}

TEST(YamlTree, SyntaxErrorsArePositionedAndSayWhatWasBeingRead) {
  std::string error = ParseError("dag_id: x\ntasks: [a, b\n");
  EXPECT_THAT(error, StartsWith("t.yaml:3:1: YAML syntax error: "));
  EXPECT_THAT(error, HasSubstr("flow sequence"));
  EXPECT_THAT(error, HasSubstr("line 2, column 8"));
  EXPECT_THAT(ParseError("a: b: c\n"), StartsWith("t.yaml:1:5: YAML syntax error: "));
  EXPECT_THAT(ParseError("a: 1\n\tb: 2\n"), StartsWith("t.yaml:2:"));
  // Not UTF-8: the reader's error has only an offset, turned into a line and a column.
  EXPECT_THAT(ParseError("a: 1\nb: \xff\xfe\n"),
              AllOf(StartsWith("t.yaml:2:4: YAML syntax error: "), HasSubstr("UTF-8")));
}

TEST(YamlTree, LimitsAreCheckedWhileParsing) {
  YamlLimits small{.max_bytes = 100, .max_depth = 2, .max_nodes = 5};
  auto deep = ParseYaml("a: [[x]]\n", "s.yaml", small);
  ASSERT_FALSE(deep.has_value());
  EXPECT_THAT(deep.error().message, StartsWith("s.yaml:1:5: lists and maps are nested more"));
  // The map, a, [1, 2] and its items, b: 6 values; the alias stands for 3 more.
  small.max_nodes = 7;
  auto many = ParseYaml("a: &a [1, 2]\nb: *a\n", "s.yaml", small);
  ASSERT_FALSE(many.has_value());
  EXPECT_THAT(many.error().message, StartsWith("s.yaml:2:4: the file stands for more than 7"));
  auto big = ParseYaml(std::string(101, '#'), "s.yaml", small);
  ASSERT_FALSE(big.has_value());
  EXPECT_THAT(big.error().message, StartsWith("s.yaml:1:1: the file is 101 bytes"));
  EXPECT_TRUE(ParseYaml("a: [x]\n", "s.yaml", small).has_value());
}

}  // namespace
}  // namespace weir
