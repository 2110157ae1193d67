// Connections: sealed at rest, found in the environment first, masked, keys rotated.
#include "engine/connections.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "engine/attempts.h"
#include "engine/audited_actions.h"
#include "env/clock.h"
#include "env/files.h"
#include "env/seal_keys.h"
#include "env/temp_dir.h"
#include "exec/fake_executor.h"
#include "model/template.h"
#include "store/sqlite/sqlite_store.h"

namespace weir {
namespace {

Result<std::string> Render(std::string_view text, const TemplateContext& ctx) {
  return TRY(Template::Parse(text, "test")).Render(ctx);
}

class ConnectionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    unsetenv(kSecretKeyEnv);
    unsetenv("WEIR_CONN_ENV_API");
    store_ = SqliteStore::Open(dir_.Join("weir.db")).value();
    ASSERT_TRUE(store_->Migrate().has_value());
    actions_ =
        std::make_unique<AuditedActions>(*store_, clock_, executor_, Actor{"alice", "cli", "host"});
  }
  void TearDown() override {
    unsetenv(kSecretKeyEnv);
    unsetenv("WEIR_CONN_ENV_API");
  }

  static Connection S3() {
    return ParseConnectionUri(
               "aws://AKIAEXAMPLE:wJalrXUtnFEMI%2FK7MDENG@?region_name=eu-west-1"
               "&aws_session_token=FwoGZXIvYXdzEBY",
               "test")
        .value();
  }
  void Add(Connection c, std::string id) {
    c.conn_id = std::move(id);
    ASSERT_TRUE(actions_->SetConnection(c, key_file_).has_value());
  }
  std::string DatabaseBytes() {
    (void)store_->Transaction([] -> Status { return {}; });  // let the WAL settle
    std::string all = ReadFile(dir_.Join("weir.db")).value_or("");
    all += ReadFile(dir_.Join("weir.db-wal")).value_or("");
    return all;
  }

  TempDir dir_;
  std::string key_file_ = dir_.Join("secret.key");
  FakeClock clock_{ParseDateTime("2026-05-01T10:00:00Z").value()};
  FakeExecutor executor_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<AuditedActions> actions_;
};

TEST_F(ConnectionsTest, SecretsAreSealedAtRestAndOpenWithTheKey) {
  Add(S3(), "lake");
  std::string bytes = DatabaseBytes();
  EXPECT_EQ(bytes.find("wJalrXUtnFEMI/K7MDENG"), std::string::npos);
  EXPECT_EQ(bytes.find("FwoGZXIvYXdzEBY"), std::string::npos);
  EXPECT_NE(bytes.find("AKIAEXAMPLE"), std::string::npos) << "the login is not a secret";
  StoredConnection stored = store_->GetConnection("lake").value();
  EXPECT_TRUE(stored.sealed.starts_with("wk1."));
  EXPECT_EQ(stored.extra, Json({{"region_name", "eu-west-1"}}));
  Connection c = FindConnection(*store_, key_file_, "lake").value();
  EXPECT_EQ(c.password, "wJalrXUtnFEMI/K7MDENG");
  EXPECT_EQ(c.extra["aws_session_token"], "FwoGZXIvYXdzEBY");
  EXPECT_EQ(c.extra["region_name"], "eu-west-1");
  // Another key cannot open it, and says which key it needs.
  ASSERT_TRUE(WriteSealKeyFile(key_file_, {SealKeyRing::NewKeyText()}).has_value());
  auto other = FindConnection(*store_, key_file_, "lake");
  ASSERT_FALSE(other);
  EXPECT_NE(other.error().message.find("sealed with key " + SealKeyRing::KeyIdOf(stored.sealed)),
            std::string::npos)
      << other.error().message;
}

TEST_F(ConnectionsTest, ASealedPartCopiedToAnotherRowDoesNotOpen) {
  Add(S3(), "a");
  Connection plain = S3();
  plain.password = "";
  plain.extra = {{"region_name", "x"}};
  Add(plain, "b");
  StoredConnection b = store_->GetConnection("b").value();
  b.sealed = store_->GetConnection("a").value().sealed;
  ASSERT_TRUE(store_->SetConnection(b).has_value());
  EXPECT_FALSE(FindConnection(*store_, key_file_, "b"));
}

TEST_F(ConnectionsTest, TheEnvironmentWinsAndMissingOnesSayWhereToDefineThem) {
  Add(S3(), "env_api");
  setenv("WEIR_CONN_ENV_API",
         R"({"conn_type": "http", "host": "https://env.example", "password": "envpw1"})", 1);
  Connection c = FindConnection(*store_, key_file_, "env_api").value();
  EXPECT_EQ(c.conn_type, "http");
  EXPECT_EQ(c.host, "https://env.example");
  auto listed = EnvironmentConnections().value();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].connection.conn_id, "env_api");
  auto missing = FindConnection(*store_, key_file_, "nope");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message.find("WEIR_CONN_NOPE"), std::string::npos);
  setenv("WEIR_CONN_ENV_API", "not a uri", 1);
  auto bad = FindConnection(*store_, key_file_, "env_api");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("WEIR_CONN_ENV_API: "), std::string::npos);
}

TEST_F(ConnectionsTest, TheMaskerHidesStoredAndEnvironmentSecrets) {
  Add(S3(), "lake");
  setenv("WEIR_CONN_ENV_API", "http://u:envpw1@h", 1);
  SecretMasker masker = LoadSecretMasker(*store_, key_file_).value();
  EXPECT_EQ(masker.Mask("key wJalrXUtnFEMI/K7MDENG token FwoGZXIvYXdzEBY pw envpw1"),
            "key *** token *** pw ***");
  // Quoted for a URL, too (a connection URI in a log).
  EXPECT_EQ(masker.Mask("wJalrXUtnFEMI%2FK7MDENG"), "***");
}

TEST_F(ConnectionsTest, TemplatesReadConnections) {
  Add(S3(), "lake");
  DagSpec spec;
  spec.dag_id = "d";
  DagRun run;
  run.dag_id = "d";
  run.run_id = "r";
  TemplateContext ctx = MakeTemplateContext(spec, run, "t", 1, *store_, key_file_);
  auto rendered = Render(
      "{{ conn.lake.login }} {{ conn.lake.extra_dejson.region_name }} {{ conn.lake.password }}",
      ctx);
  ASSERT_TRUE(rendered) << rendered.error().message;
  EXPECT_EQ(*rendered, "AKIAEXAMPLE eu-west-1 wJalrXUtnFEMI/K7MDENG");
  auto missing = Render("{{ conn.nope.host }}", ctx);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("connection 'nope' does not exist"), std::string::npos);
}

TEST_F(ConnectionsTest, ChangesAreAuditedWithoutTheirSecrets) {
  Add(S3(), "lake");
  Connection changed = S3();
  changed.password = "newsecret";
  Add(changed, "lake");
  ASSERT_TRUE(actions_->DeleteConnection("lake").has_value());
  auto events = store_->ListAuditEvents({}).value();
  ASSERT_EQ(events.size(), 3u);
  std::string all;
  for (const auto& e : events) all += e.action + " " + e.details.dump() + "\n";
  EXPECT_NE(all.find("connection_set"), std::string::npos);
  EXPECT_NE(all.find(R"("changed":["password"])"), std::string::npos) << all;
  EXPECT_NE(all.find("connection_delete"), std::string::npos);
  EXPECT_EQ(all.find("newsecret"), std::string::npos);
  EXPECT_EQ(all.find("wJalrXUtnFEMI"), std::string::npos);
}

TEST_F(ConnectionsTest, RotationResealsEverythingAndSurvivesACrashMidway) {
  Add(S3(), "a");
  Add(S3(), "b");
  std::string old_id = LoadSealKeys(key_file_)->current_id();
  // A crash between writing the new key and committing the rows: the transaction fails.
  auto crashed = RotateConnectionKey(
      *store_, key_file_, [](const std::function<Status()>&, const KeyRotation&) -> Status {
        return Err(ErrorCode::kIo, "killed");
      });
  ASSERT_FALSE(crashed);
  // Both keys are in the file: everything still opens.
  EXPECT_EQ(ReadSealKeyTexts(key_file_)->size(), 2u);
  EXPECT_EQ(FindConnection(*store_, key_file_, "a")->password, "wJalrXUtnFEMI/K7MDENG");
  // Running it again finishes: one key left, every row sealed with it.
  KeyRotation r = actions_->RotateConnectionKey(key_file_).value();
  EXPECT_EQ(r.resealed, 2);
  EXPECT_NE(r.new_key_id, old_id);
  EXPECT_EQ(ReadSealKeyTexts(key_file_)->size(), 1u);
  auto stored = store_->ListConnections().value();
  for (const auto& s : stored) {
    EXPECT_EQ(SealKeyRing::KeyIdOf(s.sealed), r.new_key_id);
  }
  EXPECT_EQ(FindConnection(*store_, key_file_, "b")->password, "wJalrXUtnFEMI/K7MDENG");
  auto events = store_->ListAuditEvents({}).value();
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.front().action, "connection_key_rotate");  // newest first
  EXPECT_EQ(events.front().details["resealed"], 2);
}

TEST_F(ConnectionsTest, RotationWithKeysFromTheEnvironmentSealsWithTheFirst) {
  std::string k1 = SealKeyRing::NewKeyText();
  setenv(kSecretKeyEnv, k1.c_str(), 1);
  Add(S3(), "a");
  std::string k2 = SealKeyRing::NewKeyText();
  setenv(kSecretKeyEnv, (k2 + "," + k1).c_str(), 1);
  KeyRotation r = actions_->RotateConnectionKey(key_file_).value();
  EXPECT_TRUE(r.from_environment);
  EXPECT_EQ(r.resealed, 1);
  setenv(kSecretKeyEnv, k2.c_str(), 1);
  EXPECT_EQ(FindConnection(*store_, key_file_, "a")->password, "wJalrXUtnFEMI/K7MDENG");
  EXPECT_FALSE(ReadFile(key_file_)) << "no key file when the environment has the keys";
}

}  // namespace
}  // namespace weir
