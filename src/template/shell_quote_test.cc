// The shell_quote filter: what bash receives is the value, whatever the value holds.

#include <stdio.h>

#include <gtest/gtest.h>

#include "template/test_globals.h"

namespace weir::jinja {
namespace {

std::string Render(std::string_view source, const Json& params) {
  return RenderWith(source, Json{{"params", params}});
}

// Runs `command` with bash -c and returns what it printed.
std::string RunBash(const std::string& command) {
  std::string quoted = "'";
  for (char c : command) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  quoted += "'";
  FILE* pipe = popen(("/bin/bash -c " + quoted).c_str(), "r");
  if (pipe == nullptr) return "popen failed";
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  pclose(pipe);
  return out;
}

const std::vector<std::string>& Payloads() {
  static const std::vector<std::string> kPayloads = {
      "$(echo injected)",
      "`echo injected`",
      "a; echo injected",
      "it's \"quoted\" $HOME",
      "line one\nline two; echo injected",
      "' ; echo injected ; '",
      "\\' && echo injected",
      "*",
      "-n",
      "",
      "héllo wörld ✓",
  };
  return kPayloads;
}

TEST(TemplateShellQuote, BashSeesEveryPayloadAsOneLiteralWord) {
  for (const auto& payload : Payloads()) {
    std::string command = Render("printf '%s|' {{ params.v | shell_quote }}", {{"v", payload}});
    EXPECT_EQ(RunBash(command), payload + "|") << command;
    // `sh` is the short name.
    EXPECT_EQ(Render("{{ params.v | sh }}", {{"v", payload}}),
              Render("{{ params.v | shell_quote }}", {{"v", payload}}));
  }
}

TEST(TemplateShellQuote, PlainWordsStayReadable) {
  EXPECT_EQ(Render("{{ params.v | shell_quote }}", {{"v", "yellow_2021-03.csv"}}),
            "yellow_2021-03.csv");
  EXPECT_EQ(Render("{{ params.v | shell_quote }}", {{"v", "it's"}}), "'it'\\''s'");
  EXPECT_EQ(Render("{{ params.v | shell_quote }}", {{"v", ""}}), "''");
  EXPECT_EQ(Render("{{ params.n | shell_quote }}", {{"n", 3}}), "3");
}

TEST(TemplateShellQuote, AListBecomesOneWordPerItem) {
  Json params = {{"files", {"a b.csv", "$(id)", "c.csv"}}};
  std::string command = Render("printf '%s|' {{ params.files | shell_quote }}", params);
  EXPECT_EQ(command, "printf '%s|' 'a b.csv' '$(id)' c.csv");
  EXPECT_EQ(RunBash(command), "a b.csv|$(id)|c.csv|");
}

TEST(TemplateShellQuote, RefusesANulByte) {
  std::string out = Render("{{ params.v | shell_quote }}", {{"v", std::string("a\0b", 3)}});
  EXPECT_NE(out.find("NUL byte"), std::string::npos) << out;
}

}  // namespace
}  // namespace weir::jinja
