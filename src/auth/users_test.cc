// Managing users and tokens, and the standalone admin.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "auth/auth_test_fixture.h"
#include "auth/authenticator.h"
#include "auth/password.h"
#include "auth/standalone_admin.h"
#include "auth/users.h"
#include "base/hash.h"
#include "store/audit_actions.h"

namespace weir {
namespace {

using ::testing::HasSubstr;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST_F(AuthTest, UsernamesAreCheckedBeforeAnythingIsStored) {
  EXPECT_OK(CheckUsername("alice"));
  EXPECT_OK(CheckUsername("a.l-i_c@e2"));
  EXPECT_ERROR(CheckUsername(""), ErrorCode::kInvalidArgument);
  EXPECT_ERROR(CheckUsername("-alice"), ErrorCode::kInvalidArgument);
  EXPECT_ERROR(CheckUsername("ali ce"), ErrorCode::kInvalidArgument);
  EXPECT_ERROR(CheckUsername("alice/../x"), ErrorCode::kInvalidArgument);
  EXPECT_ERROR(CheckUsername(std::string(65, 'a')), ErrorCode::kInvalidArgument);
  EXPECT_ERROR(AddUser(store(), "bad name", Role::kAdmin, kPassword), ErrorCode::kInvalidArgument);
  EXPECT_ERROR(AddUser(store(), "bob", Role::kAdmin, "short"), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(store().ListUsers().value().empty());
}

TEST_F(AuthTest, AddUserStoresOnlyAnArgon2idHash) {
  auto bob = AddUser(store(), "bob", Role::kViewer, kPassword);
  ASSERT_OK(bob);
  EXPECT_EQ(bob->username, "bob");
  EXPECT_EQ(bob->role, "viewer");
  EXPECT_GT(bob->id, 0);
  EXPECT_THAT(bob->password_hash, ::testing::StartsWith("$argon2id$"));
  EXPECT_THAT(bob->password_hash, ::testing::Not(HasSubstr(std::string(kPassword))));
  EXPECT_TRUE(VerifyPassword(store().GetUser("bob").value().password_hash, kPassword));
  EXPECT_ERROR(AddUser(store(), "bob", Role::kAdmin, kPassword), ErrorCode::kAlreadyExists);
}

AuditEvent UserEvent(std::string_view action) {
  AuditEvent e;
  e.when = Utc("2026-01-01T00:00:00Z");
  e.username = "root";
  e.source = "cli";
  e.action = std::string(action);
  return e;
}

TEST_F(AuthTest, AuditEventsAreKeptExactlyWithTheChangeTheyRecord) {
  ASSERT_OK(AddUser(store(), "bob", Role::kViewer, kPassword,
                    AuditRecord{store(), UserEvent(audit::kUserCreate)}));
  // A refused change records nothing.
  EXPECT_ERROR(AddUser(store(), "bob", Role::kAdmin, kPassword,
                       AuditRecord{store(), UserEvent(audit::kUserCreate)}),
               ErrorCode::kAlreadyExists);
  ASSERT_OK(ResetPassword(store(), "bob", "a new password",
                          AuditRecord{store(), UserEvent(audit::kUserPassword)}));
  EXPECT_ERROR(ResetPassword(store(), "nobody", "long enough",
                             AuditRecord{store(), UserEvent(audit::kUserPassword)}),
               ErrorCode::kNotFound);

  auto events = store().ListAuditEvents(AuditFilter{}).value();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].action, audit::kUserPassword);
  EXPECT_EQ(events[1].action, audit::kUserCreate);
}

TEST_F(AuthTest, AnAuditLogInAnotherStoreIsRefusedBeforeAnythingChanges) {
  auto other = SqliteStore::Open(":memory:");
  ASSERT_OK(other);
  ASSERT_OK((*other)->Migrate());
  MakeUser("bob");

  EXPECT_ERROR(AddUser(store(), "carol", Role::kViewer, kPassword,
                       AuditRecord{**other, UserEvent(audit::kUserCreate)}),
               ErrorCode::kInternal);
  EXPECT_ERROR(store().GetUser("carol"), ErrorCode::kNotFound);
  EXPECT_ERROR(ResetPassword(store(), "bob", "a new password",
                             AuditRecord{**other, UserEvent(audit::kUserPassword)}),
               ErrorCode::kInternal);
  EXPECT_TRUE(VerifyPassword(store().GetUser("bob").value().password_hash, kPassword));
  EXPECT_EQ((*other)->CountAuditEvents(AuditFilter{}).value(), 0);
  EXPECT_EQ(store().CountAuditEvents(AuditFilter{}).value(), 0);
}

TEST_F(AuthTest, ResetPasswordClearsTheLockoutAndEndsSessionsButKeepsTokens) {
  int64_t bob = MakeUser("bob");
  Authenticator auth(store());
  Time t0 = Utc("2026-01-01T00:00:00Z");
  auto login = auth.Login("bob", kPassword, t0);
  ASSERT_OK(login);
  auto token = auth.CreateToken("bob", "ci", std::nullopt, t0);
  ASSERT_OK(token);
  User locked = store().GetUser("bob").value();
  locked.failed_logins = 7;
  locked.locked_until = t0 + std::chrono::minutes(10);
  ASSERT_OK(store().UpdateUser(locked));

  ASSERT_OK(ResetPassword(store(), "bob", "a new password"));
  User after = store().GetUser("bob").value();
  EXPECT_EQ(after.id, bob);
  EXPECT_EQ(after.failed_logins, 0);
  EXPECT_FALSE(after.locked_until.has_value());
  EXPECT_TRUE(VerifyPassword(after.password_hash, "a new password"));
  EXPECT_FALSE(VerifyPassword(after.password_hash, kPassword));
  EXPECT_ERROR(auth.SessionUser(login->session_id, t0), ErrorCode::kInvalidArgument);
  EXPECT_OK(auth.TokenUser(token->token, t0));

  EXPECT_ERROR(ResetPassword(store(), "bob", "short"), ErrorCode::kInvalidArgument);
  EXPECT_ERROR(ResetPassword(store(), "nobody", "long enough"), ErrorCode::kNotFound);
}

TEST_F(AuthTest, RevokeTokenByNameStopsItAtOnce) {
  MakeUser("bob");
  Authenticator auth(store());
  Time t0 = Utc("2026-01-01T00:00:00Z");
  auto ci = auth.CreateToken("bob", "ci", std::nullopt, t0);
  ASSERT_OK(ci);
  ASSERT_OK(auth.CreateToken("bob", "backup", std::nullopt, t0));

  auto missing = RevokeToken(store(), "bob", "cj");
  EXPECT_ERROR(missing, ErrorCode::kNotFound);
  EXPECT_THAT(missing.error().message, HasSubstr("backup, ci"));
  EXPECT_THAT(missing.error().message, HasSubstr("did you mean 'ci'"));
  EXPECT_ERROR(RevokeToken(store(), "nobody", "ci"), ErrorCode::kNotFound);

  ASSERT_OK(RevokeToken(store(), "bob", "ci"));
  auto used = auth.TokenUser(ci->token, t0);
  EXPECT_ERROR(used, ErrorCode::kInvalidArgument);
  EXPECT_EQ(store().ListApiTokens(store().GetUser("bob").value().id).value().size(), 1u);
}

TEST_F(AuthTest, StandaloneAdminIsCreatedOnceWithItsPasswordInA0600File) {
  std::string file = dir_.Join("standalone_admin_password.txt");
  {
    std::ofstream stale(file);  // left from an earlier database
    stale << "old password\n";
  }
  auto password = EnsureStandaloneAdmin(store(), dir_.path());
  ASSERT_OK(password);
  ASSERT_TRUE(password->has_value());
  EXPECT_EQ((*password)->size(), 20u);
  EXPECT_EQ(ReadAll(file), **password + "\n");
  struct stat st {};
  ASSERT_EQ(stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  User admin = store().GetUser("admin").value();
  EXPECT_EQ(admin.role, "admin");
  EXPECT_TRUE(VerifyPassword(admin.password_hash, **password));

  // Users exist now: nothing changes.
  auto again = EnsureStandaloneAdmin(store(), dir_.path());
  ASSERT_OK(again);
  EXPECT_FALSE(again->has_value());
  EXPECT_EQ(ReadAll(file), **password + "\n");
  EXPECT_EQ(store().ListUsers().value().size(), 1u);
}

TEST_F(AuthTest, NoStandaloneAdminWhenUsersExistOrTheFileCannotBeWritten) {
  // The password cannot be written down: no admin either.
  auto failed = EnsureStandaloneAdmin(store(), dir_.Join("no/such/dir"));
  EXPECT_ERROR(failed, ErrorCode::kIo);
  EXPECT_TRUE(store().ListUsers().value().empty());

  MakeUser("alice", "admin");
  auto none = EnsureStandaloneAdmin(store(), dir_.path());
  ASSERT_OK(none);
  EXPECT_FALSE(none->has_value());
  EXPECT_FALSE(std::filesystem::exists(dir_.Join("standalone_admin_password.txt")));
  EXPECT_ERROR(store().GetUser("admin"), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace weir
