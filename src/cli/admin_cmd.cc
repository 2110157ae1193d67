// `weir db init|migrate|clean`, `weir variables get|set|list|delete`, `weir pools`, `weir version`.
#include <filesystem>

#include "base/url.h"
#include "cli/commands.h"
#include "engine/retention.h"
#include "env/seal_keys.h"

namespace weir {

namespace {

Result<int> DbMigrate(CliState& state, bool init) {
  Config config = TRY(LoadConfig());
  if (init) TRY(InitHome(config, false));
  auto ctx = TRY(state.Open(false));
  int version = TRY(ctx->store->SchemaVersion());
  fmt::print("{} is at schema version {} (latest {})\n", UrlWithoutPassword(ctx->config.database),
             version, ctx->store->LatestSchemaVersion());
  if (ctx->config.executor == "redis" && !SealKeysFromEnvironment()) {
    // Workers open what schedulers seal with it: made here, before any of them starts.
    bool existed = std::filesystem::exists(ctx->config.secret_key_file);
    TRY(LoadOrCreateSealKeys(ctx->config.secret_key_file));
    if (!existed) {
      fmt::print("made the secret key {}: copy it to every scheduler and worker\n",
                 ctx->config.secret_key_file);
    }
  }
  return kExitOk;
}

// Airflow's `db clean`: finished runs that ended before --before, with their task
// instances, tries, XCom, logs and work folders, in batches.
Result<int> DbClean(CliState& state, const std::string& before, bool dry_run, int batch_size,
                    bool audit_events) {
  auto ctx = TRY(state.Open(false));
  CleanOptions options;
  options.before = TRY(ParseCliDate(before, "UTC", "--before"));
  options.dry_run = dry_run;
  options.batch_size = batch_size;
  options.audit_events = audit_events;
  if (batch_size < 1) return Err(ErrorCode::kInvalidArgument, "--batch-size must be 1 or more");
  CleanReport report = TRY(CleanHistory(*ctx->store, ctx->attempt_paths(), options));
  if (!dry_run && (!report.runs.empty() || report.audit_events > 0)) {
    // After the clean, so that this event is kept: removing history leaves a trace.
    AuditEvent event = Audited(*ctx).Event(audit::kDbClean);
    event.details = {{"before", FormatIso(options.before)},
                     {"runs_removed", report.runs.size()},
                     {"audit_events_removed", report.audit_events}};
    TRY(Audited(*ctx).Record(event));
  }
  Table t({"dag_id", "run_id"});
  for (const auto& [dag_id, run_id] : report.runs) {
    t.AddRow({dag_id, run_id}, Json{{"dag_id", dag_id}, {"run_id", run_id}});
  }
  if (state.format() == OutputFormat::kJson) {
    t.Print(state.format());
    return kExitOk;
  }
  if (t.size() > 0) t.Print(state.format());
  fmt::print("{} {} finished run{} that ended before {}{}\n", dry_run ? "would remove" : "removed",
             report.runs.size(), report.runs.size() == 1 ? "" : "s", FormatIso(options.before),
             dry_run ? " (dry run: nothing was changed)" : ", with their logs");
  if (audit_events) {
    fmt::print("{} {} audit event{} recorded before {}\n", dry_run ? "would remove" : "removed",
               report.audit_events, report.audit_events == 1 ? "" : "s", FormatIso(options.before));
  }
  return kExitOk;
}

Result<int> VarGet(CliState& state, const std::string& key, bool json) {
  auto ctx = TRY(state.Open(false));
  Variable v = TRY(ctx->store->GetVariable(key));
  if (json) {
    Json parsed = TRY(ParseJson(v.value, "variable '" + key + "'"));
    fmt::print("{}\n", parsed.dump(2));
  } else {
    fmt::print("{}\n", v.value);
  }
  return kExitOk;
}

Result<int> VarSet(CliState& state, const std::string& key, const std::string& value,
                   const std::string& description, bool secret) {
  auto ctx = TRY(state.Open(false));
  if (key.empty()) return Err(ErrorCode::kInvalidArgument, "a variable needs a key");
  if (secret) TRY(CheckSecretValue(value));
  TRY(Audited(*ctx).SetVariable(Variable{key, value, description, secret}));
  fmt::print("variable {} set\n", key);
  return kExitOk;
}

Result<int> VarList(CliState& state) {
  auto ctx = TRY(state.Open(false));
  Table t({"key", "value", "description"});
  for (const auto& v : TRY(ctx->store->ListVariables())) {
    std::string shown = v.is_secret ? "***" : v.value;
    t.AddRow({v.key, shown, v.description}, Json{{"key", v.key},
                                                 {"value", shown},
                                                 {"description", v.description},
                                                 {"is_secret", v.is_secret}});
  }
  t.Print(state.format());
  return kExitOk;
}

Result<int> VarDelete(CliState& state, const std::string& key) {
  auto ctx = TRY(state.Open(false));
  TRY(Audited(*ctx).DeleteVariable(key));
  fmt::print("variable {} deleted\n", key);
  return kExitOk;
}

Result<int> PoolList(CliState& state) {
  auto ctx = TRY(state.Open(false));
  Table t({"pool", "slots", "description"});
  for (const auto& p : TRY(ctx->store->ListPools())) {
    t.AddRow({p.name, std::to_string(p.slots), p.description},
             Json{{"pool", p.name}, {"slots", p.slots}, {"description", p.description}});
  }
  t.Print(state.format());
  return kExitOk;
}

Result<int> PoolSet(CliState& state, const std::string& name, int slots,
                    const std::string& description) {
  auto ctx = TRY(state.Open(false));
  if (slots < 0) return Err(ErrorCode::kInvalidArgument, "a pool's slots must be >= 0");
  TRY(Audited(*ctx).SetPool(Pool{name, slots, description}));
  ctx->WakeScheduler();
  fmt::print("pool {} has {} slots\n", name, slots);
  return kExitOk;
}

Result<int> PoolDelete(CliState& state, const std::string& name) {
  auto ctx = TRY(state.Open(false));
  TRY(Audited(*ctx).DeletePool(name));
  fmt::print("pool {} deleted\n", name);
  return kExitOk;
}

}  // namespace

void AddAdminCommands(CLI::App& app, CliState& state) {
  static std::string key, value, description;
  static bool json = false, secret = false;
  static int slots = 0;

  auto* db = app.add_subcommand("db", "Create or upgrade the metadata database");
  db->require_subcommand(1);
  db->add_subcommand("init", "Create $WEIR_HOME and the database")->callback([&state] {
    state.Run([&] { return DbMigrate(state, true); });
  });
  db->add_subcommand("migrate", "Apply pending schema migrations")->callback([&state] {
    state.Run([&] { return DbMigrate(state, false); });
  });
  static std::string before;
  static bool dry_run = false, clean_audit = false;
  static int batch_size = 500;
  auto* clean = db->add_subcommand(
      "clean",
      "Remove finished runs that ended before a date, with their task instances, tries, XCom, "
      "logs and work folders (the newest scheduled run of each DAG is kept)");
  clean->add_option("--before", before, "Date or date-time (UTC unless it has an offset)")
      ->required();
  clean->add_flag("--dry-run", dry_run, "Only list what would be removed");
  clean->add_option("--batch-size", batch_size, "Runs deleted per transaction (default 500)");
  clean->add_flag("--audit", clean_audit,
                  "Also remove audit events recorded before --before (kept otherwise)");
  AddOutputOption(clean, state);
  clean->callback([&state] {
    state.Run([&] { return DbClean(state, before, dry_run, batch_size, clean_audit); });
  });

  auto* vars = app.add_subcommand("variables", "Get, set, list and delete variables");
  vars->require_subcommand(1);
  auto* get = vars->add_subcommand("get", "Print a variable's value");
  get->add_option("key", key)->required();
  get->add_flag("-j,--json", json, "Parse the value as JSON and pretty-print it");
  get->callback([&state] { state.Run([&] { return VarGet(state, key, json); }); });
  auto* set = vars->add_subcommand("set", "Set a variable");
  set->add_option("key", key)->required();
  set->add_option("value", value)->required();
  set->add_option("--description", description, "What it is for");
  set->add_flag("--secret", secret,
                "Mask the value wherever weir shows text (at least 4 characters)");
  set->callback(
      [&state] { state.Run([&] { return VarSet(state, key, value, description, secret); }); });
  auto* list = vars->add_subcommand("list", "List variables");
  AddOutputOption(list, state);
  list->callback([&state] { state.Run([&] { return VarList(state); }); });
  auto* del = vars->add_subcommand("delete", "Delete a variable");
  del->add_option("key", key)->required();
  del->callback([&state] { state.Run([&] { return VarDelete(state, key); }); });

  auto* pools = app.add_subcommand("pools", "List, set and delete pools");
  pools->require_subcommand(1);
  auto* plist = pools->add_subcommand("list", "List pools");
  AddOutputOption(plist, state);
  plist->callback([&state] { state.Run([&] { return PoolList(state); }); });
  auto* pset = pools->add_subcommand("set", "Create or resize a pool");
  pset->add_option("name", key)->required();
  pset->add_option("slots", slots)->required();
  pset->add_option("--description", description);
  pset->callback([&state] { state.Run([&] { return PoolSet(state, key, slots, description); }); });
  auto* pdel = pools->add_subcommand("delete", "Delete a pool");
  pdel->add_option("name", key)->required();
  pdel->callback([&state] { state.Run([&] { return PoolDelete(state, key); }); });

  app.add_subcommand("version", "Print weir's version")->callback([&state] {
    fmt::print("weir {}\n", kWeirVersion);
    state.exit_code = kExitOk;
  });
}

}  // namespace weir
