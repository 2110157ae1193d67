// The AuthStore suite: users, API tokens and web sessions.
#include "store/auth_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/store_test_fixture.h"

namespace weir {
namespace {

using ::testing::ElementsAre;

User MakeUser(const std::string& username, const std::string& role = "viewer") {
  User u;
  u.username = username;
  u.role = role;
  u.password_hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA";
  return u;
}

std::vector<std::string> Names(const std::vector<ApiToken>& tokens) {
  std::vector<std::string> out;
  out.reserve(tokens.size());
  for (const auto& t : tokens) out.push_back(t.name);
  return out;
}

ApiToken MakeToken(int64_t user_id, const std::string& name, const std::string& hash) {
  ApiToken t;
  t.user_id = user_id;
  t.name = name;
  t.token_hash = hash;
  t.prefix = "weir_abc";
  return t;
}

WebSession MakeSession(int64_t user_id, const std::string& hash, Time created, Time expires) {
  return WebSession{.id_hash = hash,
                    .user_id = user_id,
                    .csrf_token = "csrf-" + hash,
                    .created_at = created,
                    .expires_at = expires,
                    .last_seen_at = created};
}

TEST_P(AuthStoreTest, UsersRoundTripAndListByUsername) {
  User bob = MakeUser("bob", "op");
  bob.created_at = Utc("2026-01-01T00:00:00Z");
  auto bob_id = store().CreateUser(bob);
  ASSERT_OK(bob_id);
  auto alice_id = store().CreateUser(MakeUser("alice", "admin"));
  ASSERT_OK(alice_id);
  EXPECT_NE(*bob_id, *alice_id);

  auto got = store().GetUser("bob");
  ASSERT_OK(got);
  EXPECT_EQ(got->id, *bob_id);
  EXPECT_EQ(got->role, "op");
  EXPECT_EQ(got->password_hash, bob.password_hash);
  EXPECT_EQ(got->created_at, bob.created_at);
  EXPECT_NE(got->updated_at, Time{});  // set by the store
  EXPECT_FALSE(got->last_login_at.has_value());
  EXPECT_EQ(got->failed_logins, 0);
  EXPECT_FALSE(got->locked_until.has_value());

  auto by_id = store().GetUserById(*alice_id);
  ASSERT_OK(by_id);
  EXPECT_EQ(by_id->username, "alice");

  auto listed = store().ListUsers();
  ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].username, "alice");
  EXPECT_EQ((*listed)[1].username, "bob");

  EXPECT_ERROR(store().GetUser("carol"), ErrorCode::kNotFound);
  EXPECT_ERROR(store().GetUserById(9999), ErrorCode::kNotFound);
}

TEST_P(AuthStoreTest, UsernamesAreUniqueAndRolesAreChecked) {
  ASSERT_OK(store().CreateUser(MakeUser("bob")));
  auto duplicate = store().CreateUser(MakeUser("bob", "admin"));
  EXPECT_ERROR(duplicate, ErrorCode::kAlreadyExists);
  EXPECT_THAT(duplicate.error().message, ::testing::HasSubstr("'bob' exists already"));
  EXPECT_ERROR(store().CreateUser(MakeUser("eve", "root")), ErrorCode::kInvalidArgument);
  EXPECT_ERROR(store().CreateUser(MakeUser("", "admin")), ErrorCode::kInvalidArgument);

  User bob = store().GetUser("bob").value();
  bob.role = "superuser";
  EXPECT_ERROR(store().UpdateUser(bob), ErrorCode::kInvalidArgument);
  EXPECT_EQ(store().GetUser("bob").value().role, "viewer");
}

TEST_P(AuthStoreTest, UpdateUserWritesRolePasswordAndLoginState) {
  ASSERT_OK(store().CreateUser(MakeUser("bob")));
  User bob = store().GetUser("bob").value();
  bob.role = "admin";
  bob.password_hash = "$argon2id$new";
  bob.failed_logins = 5;
  bob.locked_until = Utc("2026-01-01T00:00:30Z");
  bob.last_login_at = Utc("2025-12-31T23:00:00Z");
  bob.updated_at = Utc("2026-01-01T00:00:00Z");
  bob.username = "renamed";  // not written
  ASSERT_OK(store().UpdateUser(bob));

  User got = store().GetUser("bob").value();
  EXPECT_EQ(got.role, "admin");
  EXPECT_EQ(got.password_hash, "$argon2id$new");
  EXPECT_EQ(got.failed_logins, 5);
  EXPECT_EQ(got.locked_until, Utc("2026-01-01T00:00:30Z"));
  EXPECT_EQ(got.last_login_at, Utc("2025-12-31T23:00:00Z"));
  EXPECT_EQ(got.updated_at, Utc("2026-01-01T00:00:00Z"));

  got.failed_logins = 0;
  got.locked_until.reset();
  ASSERT_OK(store().UpdateUser(got));
  EXPECT_FALSE(store().GetUser("bob").value().locked_until.has_value());

  User ghost = MakeUser("ghost");
  ghost.id = 9999;
  EXPECT_ERROR(store().UpdateUser(ghost), ErrorCode::kNotFound);
}

TEST_P(AuthStoreTest, ApiTokensAreFoundByHashListedByNameAndTouched) {
  int64_t bob = store().CreateUser(MakeUser("bob")).value();
  int64_t alice = store().CreateUser(MakeUser("alice")).value();
  ApiToken ci = MakeToken(bob, "ci", "hash-ci");
  ci.created_at = Utc("2026-01-01T00:00:00Z");
  ci.expires_at = Utc("2026-04-01T00:00:00Z");
  auto ci_id = store().AddApiToken(ci);
  ASSERT_OK(ci_id);
  ASSERT_OK(store().AddApiToken(MakeToken(bob, "backup", "hash-backup")));
  ASSERT_OK(store().AddApiToken(MakeToken(alice, "ci", "hash-alice-ci")));  // per user

  EXPECT_ERROR(store().AddApiToken(MakeToken(bob, "ci", "hash-other")), ErrorCode::kAlreadyExists);
  EXPECT_ERROR(store().AddApiToken(MakeToken(bob, "again", "hash-ci")), ErrorCode::kAlreadyExists);
  EXPECT_ERROR(store().AddApiToken(MakeToken(9999, "x", "hash-x")), ErrorCode::kNotFound);

  auto found = store().FindApiTokenByHash("hash-ci");
  ASSERT_OK(found);
  ASSERT_TRUE(found->has_value());
  const ApiToken& t = **found;
  EXPECT_EQ(t.id, *ci_id);
  EXPECT_EQ(t.user_id, bob);
  EXPECT_EQ(t.name, "ci");
  EXPECT_EQ(t.prefix, "weir_abc");
  EXPECT_EQ(t.created_at, ci.created_at);
  EXPECT_EQ(t.expires_at, ci.expires_at);
  EXPECT_FALSE(t.last_used_at.has_value());
  EXPECT_FALSE(store().FindApiTokenByHash("nope").value().has_value());

  ASSERT_OK(store().TouchApiToken(*ci_id, Utc("2026-01-02T00:00:00Z")));
  EXPECT_EQ(store().FindApiTokenByHash("hash-ci").value()->last_used_at,
            Utc("2026-01-02T00:00:00Z"));

  auto listed = store().ListApiTokens(bob);
  ASSERT_OK(listed);
  EXPECT_THAT(Names(*listed), ElementsAre("backup", "ci"));

  ASSERT_OK(store().DeleteApiToken(*ci_id));
  EXPECT_THAT(Names(store().ListApiTokens(bob).value()), ElementsAre("backup"));
  EXPECT_ERROR(store().DeleteApiToken(*ci_id), ErrorCode::kNotFound);
  EXPECT_ERROR(store().TouchApiToken(*ci_id, Utc("2026-01-03T00:00:00Z")), ErrorCode::kNotFound);
}

TEST_P(AuthStoreTest, SessionsAreTouchedAndExpire) {
  int64_t bob = store().CreateUser(MakeUser("bob")).value();
  Time t0 = Utc("2026-01-01T00:00:00Z");
  ASSERT_OK(store().CreateSession(MakeSession(bob, "s1", t0, Utc("2026-01-01T12:00:00Z"))));
  ASSERT_OK(store().CreateSession(MakeSession(bob, "s2", t0, Utc("2026-01-01T01:00:00Z"))));
  EXPECT_ERROR(store().CreateSession(MakeSession(bob, "s1", t0, t0)), ErrorCode::kAlreadyExists);
  EXPECT_ERROR(store().CreateSession(MakeSession(9999, "s3", t0, t0)), ErrorCode::kNotFound);

  auto found = store().FindSessionByHash("s1");
  ASSERT_OK(found);
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->user_id, bob);
  EXPECT_EQ((*found)->csrf_token, "csrf-s1");
  EXPECT_EQ((*found)->created_at, t0);
  EXPECT_EQ((*found)->expires_at, Utc("2026-01-01T12:00:00Z"));

  ASSERT_OK(store().TouchSession("s1", Utc("2026-01-01T06:00:00Z"), Utc("2026-01-01T18:00:00Z")));
  WebSession touched = store().FindSessionByHash("s1").value().value();
  EXPECT_EQ(touched.last_seen_at, Utc("2026-01-01T06:00:00Z"));
  EXPECT_EQ(touched.expires_at, Utc("2026-01-01T18:00:00Z"));
  EXPECT_EQ(touched.created_at, t0);
  EXPECT_ERROR(store().TouchSession("nope", t0, t0), ErrorCode::kNotFound);

  // s2 expires at 01:00: gone at 01:00; s1 stays.
  EXPECT_EQ(store().DeleteExpiredSessions(Utc("2026-01-01T00:59:59Z")).value(), 0);
  EXPECT_EQ(store().DeleteExpiredSessions(Utc("2026-01-01T01:00:00Z")).value(), 1);
  EXPECT_FALSE(store().FindSessionByHash("s2").value().has_value());
  EXPECT_TRUE(store().FindSessionByHash("s1").value().has_value());

  ASSERT_OK(store().DeleteSession("s1"));
  EXPECT_FALSE(store().FindSessionByHash("s1").value().has_value());
  EXPECT_OK(store().DeleteSession("s1"));  // logging out twice is fine
}

TEST_P(AuthStoreTest, DeletingSessionsOfAUserLeavesOthers) {
  int64_t bob = store().CreateUser(MakeUser("bob")).value();
  int64_t alice = store().CreateUser(MakeUser("alice")).value();
  Time t0 = Utc("2026-01-01T00:00:00Z");
  Time later = Utc("2026-01-02T00:00:00Z");
  ASSERT_OK(store().CreateSession(MakeSession(bob, "b1", t0, later)));
  ASSERT_OK(store().CreateSession(MakeSession(bob, "b2", t0, later)));
  ASSERT_OK(store().CreateSession(MakeSession(alice, "a1", t0, later)));
  EXPECT_EQ(store().DeleteSessionsOfUser(bob).value(), 2);
  EXPECT_FALSE(store().FindSessionByHash("b1").value().has_value());
  EXPECT_TRUE(store().FindSessionByHash("a1").value().has_value());
}

TEST_P(AuthStoreTest, DeletingAUserDeletesItsTokensAndSessions) {
  int64_t bob = store().CreateUser(MakeUser("bob")).value();
  int64_t alice = store().CreateUser(MakeUser("alice")).value();
  Time t0 = Utc("2026-01-01T00:00:00Z");
  ASSERT_OK(store().AddApiToken(MakeToken(bob, "ci", "hash-bob")));
  ASSERT_OK(store().AddApiToken(MakeToken(alice, "ci", "hash-alice")));
  ASSERT_OK(store().CreateSession(MakeSession(bob, "sb", t0, Utc("2026-01-02T00:00:00Z"))));
  ASSERT_OK(store().CreateSession(MakeSession(alice, "sa", t0, Utc("2026-01-02T00:00:00Z"))));

  ASSERT_OK(store().DeleteUser("bob"));
  EXPECT_ERROR(store().GetUser("bob"), ErrorCode::kNotFound);
  EXPECT_FALSE(store().FindApiTokenByHash("hash-bob").value().has_value());
  EXPECT_FALSE(store().FindSessionByHash("sb").value().has_value());
  EXPECT_TRUE(store().ListApiTokens(bob).value().empty());
  // Alice keeps hers.
  EXPECT_TRUE(store().FindApiTokenByHash("hash-alice").value().has_value());
  EXPECT_TRUE(store().FindSessionByHash("sa").value().has_value());
  EXPECT_ERROR(store().DeleteUser("bob"), ErrorCode::kNotFound);
}

WEIR_STORE_SUITE(AuthStoreTest);

}  // namespace
}  // namespace weir
