#include "base/boxed.h"

#include <gtest/gtest.h>

#include <string>

namespace weir {
namespace {

struct Mark {
  std::string by;
  int at = 0;
};

TEST(Boxed, ReadsAsAnOptionalAndTakesOnePointerWhileEmpty) {
  static_assert(sizeof(Boxed<Mark>) == sizeof(void*));
  Boxed<Mark> m;
  EXPECT_FALSE(m);
  EXPECT_FALSE(m.has_value());
  m = Mark{"ada", 3};
  ASSERT_TRUE(m);
  EXPECT_EQ(m->by, "ada");
  EXPECT_EQ((*m).at, 3);
  m.reset();
  EXPECT_FALSE(m);
  m = Mark{"otto", 4};
  m = std::nullopt;
  EXPECT_FALSE(m);
}

TEST(Boxed, CopiesCopyTheValueAndMovesLeaveTheSourceEmpty) {
  Boxed<Mark> a = Mark{"ada", 1};
  Boxed<Mark> b = a;
  b->by = "otto";
  EXPECT_EQ(a->by, "ada");  // not shared
  EXPECT_EQ(b->by, "otto");
  Boxed<Mark> empty;
  b = empty;
  EXPECT_FALSE(b);
  const Boxed<Mark>& same = a;
  a = same;  // assigned to itself: keeps its value
  EXPECT_EQ(a->by, "ada");
  Boxed<Mark> c = std::move(a);
  EXPECT_EQ(c->by, "ada");
  EXPECT_FALSE(a);  // NOLINT(bugprone-use-after-move): a moved-from box is empty
}

}  // namespace
}  // namespace weir
