#include "web/openapi.h"

#include <gtest/gtest.h>

#include "base/json.h"

namespace weir {
namespace {

TEST(OpenApiTest, TheEmbeddedDocumentIsOpenApi3) {
  auto doc = ParseJson(OpenApiDocument(), "the OpenAPI document");
  ASSERT_TRUE(doc.has_value()) << doc.error().message;
  EXPECT_EQ((*doc)["openapi"], "3.0.3");
  EXPECT_EQ((*doc)["info"]["title"], "weir REST API");
  EXPECT_TRUE((*doc)["paths"].contains("/openapi.json"));
  EXPECT_TRUE((*doc)["paths"].contains("/dags/{dag_id}/dagRuns/{run_id}"));
}

}  // namespace
}  // namespace weir
