// Passwords, roles and random secrets.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>

#include "auth/password.h"
#include "auth/role.h"
#include "auth/secrets.h"
#include "store/store_test_fixture.h"

namespace weir {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(Password, HashIsArgon2idWithOwaspParametersAndVerifies) {
  auto hash = HashPassword("correct horse battery");
  ASSERT_OK(hash);
  EXPECT_THAT(*hash, StartsWith("$argon2id$v=19$m=19456,t=2,p=1$"));
  EXPECT_TRUE(VerifyPassword(*hash, "correct horse battery"));
  EXPECT_FALSE(VerifyPassword(*hash, "correct horse batterY"));
  EXPECT_FALSE(VerifyPassword(*hash, ""));

  // A fresh salt each time: the same password hashes differently.
  auto again = HashPassword("correct horse battery");
  ASSERT_OK(again);
  EXPECT_NE(*again, *hash);
  EXPECT_TRUE(VerifyPassword(*again, "correct horse battery"));

  // Another argon2 variant, a truncated encoding or garbage never verify.
  std::string argon2i = *hash;
  argon2i.replace(0, std::string_view("$argon2id$").size(), "$argon2i$");
  EXPECT_FALSE(VerifyPassword(argon2i, "correct horse battery"));
  EXPECT_FALSE(VerifyPassword(hash->substr(0, hash->size() - 5), "correct horse battery"));
  EXPECT_FALSE(VerifyPassword("", "correct horse battery"));
  EXPECT_FALSE(VerifyPassword("correct horse battery", "correct horse battery"));
}

TEST(Password, RulesNeedEightCharactersAndAtMost1024Bytes) {
  EXPECT_ERROR(CheckPasswordRules(""), ErrorCode::kInvalidArgument);
  auto short_one = CheckPasswordRules("1234567");
  EXPECT_ERROR(short_one, ErrorCode::kInvalidArgument);
  EXPECT_THAT(short_one.error().message, HasSubstr("at least 8 characters"));
  EXPECT_OK(CheckPasswordRules("12345678"));
  // Characters, not bytes: 7 umlauts are 14 bytes but too short; 8 are enough.
  EXPECT_ERROR(CheckPasswordRules("\u00e4\u00e4\u00e4\u00e4\u00e4\u00e4\u00e4"),
               ErrorCode::kInvalidArgument);
  EXPECT_OK(CheckPasswordRules("\u00e4\u00e4\u00e4\u00e4\u00e4\u00e4\u00e4\u00e4"));
  EXPECT_OK(CheckPasswordRules(std::string(1024, 'x')));
  EXPECT_ERROR(CheckPasswordRules(std::string(1025, 'x')), ErrorCode::kInvalidArgument);
  // HashPassword applies the rules.
  EXPECT_ERROR(HashPassword("short"), ErrorCode::kInvalidArgument);
}

TEST(Role, NamesRoundTripAndUnknownNamesListTheRoles) {
  for (Role role : {Role::kViewer, Role::kOp, Role::kAdmin}) {
    EXPECT_EQ(ParseRole(RoleName(role)).value(), role);
  }
  EXPECT_EQ(RoleName(Role::kOp), "op");
  auto bad = ParseRole("root");
  EXPECT_ERROR(bad, ErrorCode::kInvalidArgument);
  EXPECT_THAT(bad.error().message, HasSubstr("admin"));
  EXPECT_THAT(bad.error().message, HasSubstr("viewer"));
  EXPECT_ERROR(ParseRole("Admin"), ErrorCode::kInvalidArgument);  // names are lower case
}

TEST(Role, EachRoleAllowsWhatTheRolesBelowItMay) {
  EXPECT_TRUE(Allows(Role::kAdmin, Role::kAdmin));
  EXPECT_TRUE(Allows(Role::kAdmin, Role::kOp));
  EXPECT_TRUE(Allows(Role::kAdmin, Role::kViewer));
  EXPECT_FALSE(Allows(Role::kOp, Role::kAdmin));
  EXPECT_TRUE(Allows(Role::kOp, Role::kOp));
  EXPECT_TRUE(Allows(Role::kOp, Role::kViewer));
  EXPECT_FALSE(Allows(Role::kViewer, Role::kAdmin));
  EXPECT_FALSE(Allows(Role::kViewer, Role::kOp));
  EXPECT_TRUE(Allows(Role::kViewer, Role::kViewer));
}

bool UrlSafe(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

TEST(Secrets, TokensAreUrlSafePrefixedAndNeverRepeat) {
  std::string a = NewToken();
  std::string b = NewToken();
  EXPECT_THAT(a, StartsWith("weir_"));
  EXPECT_EQ(a.size(), 5u + 43u);  // 32 bytes in base64url without padding
  EXPECT_TRUE(UrlSafe(a.substr(5))) << a;
  EXPECT_NE(a, b);
  EXPECT_THAT(NewToken("x_"), StartsWith("x_"));

  EXPECT_EQ(RandomUrlSafe().size(), 43u);
  EXPECT_EQ(RandomUrlSafe(16).size(), 22u);
  EXPECT_EQ(RandomBytes(16).size(), 16u);
  EXPECT_NE(RandomBytes(16), RandomBytes(16));
}

TEST(Secrets, RandomPasswordsAreLettersAndDigitsThatPassTheRules) {
  std::string p = NewRandomPassword();
  EXPECT_EQ(p.size(), 20u);
  EXPECT_TRUE(std::all_of(p.begin(), p.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c));
  })) << p;
  EXPECT_NE(p, NewRandomPassword());
  EXPECT_OK(CheckPasswordRules(p));
}

TEST(Secrets, SameSecretComparesWholeStrings) {
  EXPECT_TRUE(SameSecret("abc", "abc"));
  EXPECT_FALSE(SameSecret("abc", "abd"));
  EXPECT_FALSE(SameSecret("abc", "abcd"));
  EXPECT_FALSE(SameSecret("", "a"));
  EXPECT_TRUE(SameSecret("", ""));
}

}  // namespace
}  // namespace weir
