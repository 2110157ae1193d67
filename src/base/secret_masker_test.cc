#include "base/secret_masker.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "base/strings.h"

namespace weir {
namespace {

// Secrets of each awkward shape. Their letters are upper-case and the text around them is
// lower-case, so "no upper-case letter came out" means "no piece of a secret came out".
const std::vector<std::string> kAwkward = {"PLAINSECRET",
                                           "QUO\"TED",
                                           "BACK\\SLASH",
                                           "NEW\nLINE",
                                           "CON\x01TROL",
                                           "TAB\tBED",
                                           "IT'S MINE",
                                           "DOLLAR$HOME`X`",
                                           "SPACE AND&AMP=EQ",
                                           "UNI\u00e9CODE",
                                           "EMOJI\xF0\x9F\x94\x91KEY"};

bool HasUpper(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

// The inside of a JSON string, as nlohmann writes it (independent of the masker's escaper).
std::string JsonInside(const std::string& s, bool ascii) {
  std::string d = Json(s).dump(-1, ' ', ascii);
  return d.substr(1, d.size() - 2);
}

std::string ShellQuotedInside(const std::string& s) {
  std::string q = ShellQuote(s);
  return q.front() == '\'' ? q.substr(1, q.size() - 2) : q;
}

TEST(SecretMasker, HidesEveryOccurrenceOfTheRawValue) {
  SecretMasker m({"s3cr3t"});
  EXPECT_EQ(m.Mask("a s3cr3t and s3cr3ts3cr3t."), "a *** and ******.");
  EXPECT_EQ(m.Mask("nothing here"), "nothing here");
}

TEST(SecretMasker, AMaskerMadeFromAnothersPatternsHidesTheSame) {
  SecretMasker m({"s3cr3t", "p@ss word"});
  SecretMasker copy = SecretMasker::FromPatterns(m.patterns());
  EXPECT_EQ(copy.patterns(), m.patterns());
  std::string text = "s3cr3t, p%40ss%20word and " + JsonInside("p@ss word", true);
  EXPECT_EQ(copy.Mask(text), m.Mask(text));
  EXPECT_EQ(copy.Mask(text), "***, *** and ***");
}

TEST(SecretMasker, OverlappingSecretsBecomeOneMask) {
  SecretMasker m({"abcdef", "defghi"});
  EXPECT_EQ(m.Mask("xabcdefghix"), "x***x");
}

TEST(SecretMasker, ValuesShorterThanTheMinimumAreNotPatternsAndAreRefused) {
  SecretMasker m({"ab", "abc", "abcd"});
  EXPECT_EQ(m.Mask("ab abc abcd"), "ab abc ***");
  EXPECT_FALSE(CheckSecretValue("abc"));
  EXPECT_TRUE(CheckSecretValue("abcd"));
}

TEST(SecretMasker, HidesEachAwkwardSecretInEachEncoding) {
  SecretMasker m(kAwkward);
  for (const std::string& secret : kAwkward) {
    std::vector<std::string> forms = {secret, JsonInside(secret, false), JsonInside(secret, true),
                                      ShellQuote(secret), ShellQuotedInside(secret)};
    for (const std::string& form : forms) {
      std::string text = "before " + form + " after";
      std::string masked = m.Mask(text);
      EXPECT_FALSE(HasUpper(masked))
          << "secret " << Json(secret).dump() << " as " << form << " gave " << masked;
    }
  }
}

TEST(SecretMasker, HidesShellDoubleQuotedBackslashedAndUrlEncodedForms) {
  SecretMasker m({"P@SS \"W$RD\"/X"});
  EXPECT_EQ(m.Mask("x \"P@SS \\\"W\\$RD\\\"/X\" y"), "x \"***\" y");
  EXPECT_EQ(m.Mask("x P@SS\\ \\\"W\\$RD\\\"/X y"), "x *** y");
  EXPECT_EQ(m.Mask("q=P%40SS%20%22W%24RD%22%2FX&r"), "q=***&r");
  EXPECT_EQ(m.Mask("q=P%40SS+%22W%24RD%22%2FX&r"), "q=***&r");
  EXPECT_EQ(m.Mask("q=P%40SS%20%22W%24RD%22/X&r"), "q=***&r");  // quote(), | urlencode
}

TEST(SecretMasker, HidesBothWaysOfQuotingASingleQuote) {
  SecretMasker m({"IT'S MINE"});
  EXPECT_EQ(m.Mask(R"(echo 'IT'\''S MINE')"), "echo '***'");
  EXPECT_EQ(m.Mask(R"(echo 'IT'"'"'S MINE')"), "echo '***'");  // Python's shlex.quote
}

TEST(SecretMasker, HidesTheFormPythonsReprGives) {
  SecretMasker m({"IT'S \"QUOTED\"\x01\n"});
  EXPECT_EQ(m.Mask("'IT\\'S \"QUOTED\"\\x01\\n'"), "'***'");
}

TEST(SecretMasker, HidesASecretEncodedTwice) {
  SecretMasker m({"P\"W\\D"});
  // JSON inside a Python repr: P"W\D -> P\"W\\D -> P\\"W\\\\D
  EXPECT_EQ(m.Mask(R"('{"p": "P\\"W\\\\D"}')"), R"('{"p": "***"}')");
}

TEST(SecretMasker, HidesTheLeavesOfAJsonSecret) {
  // {{ var.json.db.password }} renders the decoded leaf, not the stored text.
  SecretMasker m({R"({"user": "ADMIN", "password": "PA\"SS\\WORD", "pin": 98765,
                     "hosts": ["DBHOST1"], "port": 54, "tls": true})"});
  EXPECT_EQ(m.Mask("password PA\"SS\\WORD pin 98765 user ADMIN host DBHOST1 port 54"),
            "password *** pin *** user *** host *** port 54");
  // The whole object as a template dumps it ({{ var.json.db }}), compact.
  EXPECT_FALSE(HasUpper(m.Mask(Json::parse(R"({"user": "ADMIN", "password": "PA\"SS\\WORD",
      "pin": 98765, "hosts": ["DBHOST1"], "port": 54, "tls": true})")
                                   .dump())));
}

TEST(SecretMasker, MasksStringsAndKeysInJson) {
  SecretMasker m({"TOKEN123"});
  Json j = {{"a", "x TOKEN123 y"}, {"TOKEN123", {1, "TOKEN123"}}};
  m.MaskJson(j);
  EXPECT_EQ(j.dump(), R"({"***":[1,"***"],"a":"x *** y"})");
}

// Reading a text in stretches from any offset, as the log endpoint does, never shows a
// byte of a secret: not from an offset inside it, nor at a stretch's end.
TEST(SecretMasker, NoStretchFromAnyOffsetShowsAPieceOfASecret) {
  SecretMasker m(kAwkward);
  for (const std::string& secret : kAwkward) {
    std::string text = "log line one\n" + secret + "\nand " + JsonInside(secret, false) + " end\n";
    for (size_t from = 0; from < text.size(); ++from) {
      for (size_t len : {1, 3, 7, 64}) {
        size_t to = std::min(text.size(), from + len);
        size_t start = from > m.context() ? from - m.context() : 0;
        size_t stop = std::min(text.size(), to + m.context());
        std::string_view window = std::string_view(text).substr(start, stop - start);
        for (bool complete : {true, false}) {
          auto r = m.MaskRange(window, from - start, to - start, complete && stop == text.size());
          EXPECT_FALSE(HasUpper(r.text))
              << Json(secret).dump() << " from " << from << ": " << Json(r.text).dump();
          EXPECT_GE(r.end, from - start);
        }
      }
    }
  }
}

TEST(SecretMasker, StretchesFollowedToTheEndGiveTheWholeMaskedText) {
  SecretMasker m({"SECRETVALUE"});
  std::string text = "aaa SECRETVALUE bbb SECRETVALUE";
  std::string out;
  size_t from = 0;
  while (from < text.size()) {
    size_t to = std::min(text.size(), from + 5);
    size_t start = from > m.context() ? from - m.context() : 0;
    size_t stop = std::min(text.size(), to + m.context());
    auto r = m.MaskRange(std::string_view(text).substr(start, stop - start), from - start,
                         to - start, stop == text.size());
    out += r.text;
    ASSERT_GT(r.end + start, from);
    from = r.end + start;
  }
  EXPECT_EQ(out, "aaa *** bbb ***");
}

TEST(SecretMasker, AnIncompleteTextHoldsBackWhatCouldBeginASecret) {
  SecretMasker m({"SECRETVALUE"});
  auto r = m.MaskRange("abc SECRE", 0, 9, false);
  EXPECT_EQ(r.text, "abc ");
  EXPECT_EQ(r.end, 4u);
  r = m.MaskRange("abc SECRE", 0, 9, true);
  EXPECT_EQ(r.text, "abc SECRE");  // the text ended: it was not a secret
}

TEST(MaskingStream, GivesTheSameTextWhereverThePiecesSplit) {
  SecretMasker m(kAwkward);
  for (const std::string& secret : kAwkward) {
    std::string text = fmt::format("out: {} / {}\n{}", secret, secret, JsonInside(secret, false));
    std::string whole = m.Mask(text);
    EXPECT_FALSE(HasUpper(whole));
    for (size_t cut = 0; cut <= text.size(); ++cut) {
      MaskingStream s;
      std::string first = s.Feed(m, std::string_view(text).substr(0, cut));
      EXPECT_FALSE(HasUpper(first)) << cut;
      std::string out = first + s.Feed(m, std::string_view(text).substr(cut));
      out += s.Finish(m);
      EXPECT_EQ(out, whole) << Json(secret).dump() << " cut at " << cut;
    }
    MaskingStream bytes;
    std::string out;
    for (char c : text) out += bytes.Feed(m, std::string_view(&c, 1));
    out += bytes.Finish(m);
    EXPECT_EQ(out, whole);
  }
}

TEST(MaskingStream, PassesTextThroughWithoutSecrets) {
  SecretMasker none;
  MaskingStream s;
  EXPECT_EQ(s.Feed(none, "abc"), "abc");
  EXPECT_EQ(s.Finish(none), "");
}

}  // namespace
}  // namespace weir
