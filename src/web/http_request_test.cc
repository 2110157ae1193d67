#include "web/http_request.h"

#include <gtest/gtest.h>

namespace weir {
namespace {

std::expected<HttpRequestHead, HttpError> Parse(std::string_view head, HttpLimits limits = {}) {
  return ParseHead(head, limits);
}

int StatusOf(std::string_view head, HttpLimits limits = {}) {
  auto parsed = Parse(head, limits);
  return parsed ? 0 : parsed.error().status;
}

TEST(HttpRequest, ParsesPathQueryAndHeaders) {
  auto h = Parse(
      "GET /api/v1/dags/a%20b/dagRuns/manual__2021%2B00%3A00?limit=5&dag_id_pattern=x+y&e "
      "HTTP/1.1\r\nHost: h\r\nX-CSRF-Token:  abc \r\n\r\n");
  ASSERT_TRUE(h) << h.error().message;
  EXPECT_EQ(h->method, "GET");
  EXPECT_EQ(h->path, "/api/v1/dags/a b/dagRuns/manual__2021+00:00");
  EXPECT_EQ(h->query.at("limit"), "5");
  EXPECT_EQ(h->query.at("dag_id_pattern"), "x y");
  EXPECT_EQ(h->query.at("e"), "");
  EXPECT_EQ(h->Header("x-csrf-token"), "abc");
  EXPECT_TRUE(h->keep_alive);
  EXPECT_EQ(h->content_length, 0u);
}

TEST(HttpRequest, FindsTheEndOfTheHeadAndRefusesLongOnes) {
  HttpLimits limits;
  limits.max_head = 64;
  limits.max_request_line = 32;
  EXPECT_EQ(*FindHeadEnd("GET / HTTP/1.1\r\nHost: h\r\n", limits), 0u);
  EXPECT_EQ(*FindHeadEnd("GET / HTTP/1.1\r\nHost: h\r\n\r\nGET", limits), 27u);
  EXPECT_EQ(FindHeadEnd("GET /" + std::string(40, 'a'), limits).error().status, 414);
  EXPECT_EQ(FindHeadEnd("GET / HTTP/1.1\r\nA: " + std::string(60, 'a'), limits).error().status,
            431);
}

TEST(HttpRequest, RefusesTooManyHeaders) {
  std::string head = "GET / HTTP/1.1\r\nHost: h\r\n";
  for (int i = 0; i < 100; ++i) head += "X-A: 1\r\n";
  EXPECT_EQ(StatusOf(head + "\r\n"), 431);
}

TEST(HttpRequest, RefusesAmbiguousFraming) {
  EXPECT_EQ(StatusOf("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"), 501);
  EXPECT_EQ(
      StatusOf("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"),
      400);
  EXPECT_EQ(StatusOf("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +5\r\n\r\n"), 400);
  EXPECT_EQ(StatusOf("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 5\r\n\r\n"), 400);
  EXPECT_EQ(StatusOf("POST / HTTP/1.1\r\nHost: h\r\nContent-Length : 5\r\n\r\n"), 400);
  EXPECT_EQ(StatusOf("GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n"), 400);
  EXPECT_EQ(StatusOf("GET / HTTP/1.1\r\nHost: h\nX: a\r\n\r\n"), 400);
  EXPECT_EQ(StatusOf("GET / HTTP/1.1\r\n\r\n"), 400);  // no Host
  EXPECT_EQ(StatusOf("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), 400);
  EXPECT_EQ(StatusOf("GET / HTTP/2.0\r\nHost: h\r\n\r\n"), 505);
  EXPECT_EQ(StatusOf("GET http://x/ HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(StatusOf("GET  / HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
}

TEST(HttpRequest, RefusesLargeAndCompressedBodies) {
  HttpLimits limits;
  limits.max_body = 100;
  EXPECT_EQ(StatusOf("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 101\r\n\r\n", limits), 413);
  EXPECT_EQ(
      StatusOf("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999\r\n\r\n",
               limits),
      400);
  EXPECT_EQ(StatusOf("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n", limits), 0);
  EXPECT_EQ(StatusOf("POST / HTTP/1.1\r\nHost: h\r\nContent-Encoding: gzip\r\n\r\n"), 415);
  EXPECT_EQ(StatusOf("POST / HTTP/1.1\r\nHost: h\r\nContent-Encoding: identity\r\n\r\n"), 0);
}

TEST(HttpRequest, ConnectionCloseAndHttp10EndTheConnection) {
  EXPECT_FALSE(Parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")->keep_alive);
  EXPECT_FALSE(Parse("GET / HTTP/1.0\r\n\r\n")->keep_alive);
  EXPECT_TRUE(Parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")->keep_alive);
}

}  // namespace
}  // namespace weir
