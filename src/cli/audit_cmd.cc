// `weir audit list`: the audit log, newest first.
#include <pwd.h>
#include <unistd.h>

#include "cli/commands.h"
#include "store/records_json.h"

namespace weir {

namespace {

// The operating-system user running the command: its name, else $USER, else the uid.
std::string OsUser() {
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  if (getpwuid_r(geteuid(), &pw, buf.data(), buf.size(), &found) == 0 && found != nullptr &&
      found->pw_name != nullptr && found->pw_name[0] != '\0') {
    return found->pw_name;
  }
  if (const char* user = std::getenv("USER"); user != nullptr && user[0] != '\0') return user;
  return fmt::format("uid {}", geteuid());
}

std::string HostName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

// "run_id/task_id" of the DAG, or what else the event is about.
std::string Target(const AuditEvent& e) {
  if (!e.dag_id.empty()) {
    std::string t = e.dag_id;
    if (!e.run_id.empty()) t += " " + e.run_id;
    if (!e.task_id.empty()) t += " " + e.task_id;
    return t;
  }
  for (const char* key : {"key", "pool", "username"}) {
    if (e.details.contains(key) && e.details[key].is_string()) {
      std::string t = std::string(key) + " " + e.details[key].get<std::string>();
      if (key == std::string("username") && e.details.contains("name")) {
        t += " token " + e.details["name"].get<std::string>();
      }
      return t;
    }
  }
  return "";
}

struct ListArgs {
  std::string dag_id, run_id, task_id, user, action, source, since, until;
  int limit = 50;
};

Result<int> List(CliState& state, const ListArgs& a) {
  auto ctx = TRY(state.Open(false));
  AuditFilter f;
  auto set = [](const std::string& value, std::optional<std::string>& field) {
    if (!value.empty()) field = value;
  };
  set(a.dag_id, f.dag_id);
  set(a.run_id, f.run_id);
  set(a.task_id, f.task_id);
  set(a.user, f.username);
  set(a.action, f.action);
  set(a.source, f.source);
  if (!a.since.empty()) f.after = TRY(ParseCliDate(a.since, "UTC", "--since"));
  if (!a.until.empty()) f.before = TRY(ParseCliDate(a.until, "UTC", "--until"));
  if (a.limit < 0) return Err(ErrorCode::kInvalidArgument, "--limit must be 0 (all) or more");
  f.limit = a.limit;
  Table t({"id", "when", "user", "source", "from", "action", "target", "details"});
  for (const auto& e : TRY(ctx->store->ListAuditEvents(f))) {
    t.AddRow({std::to_string(e.id), ShortTime(e.when), e.username, e.source, e.origin, e.action,
              Target(e), e.details.dump(-1, ' ', false, Json::error_handler_t::replace)},
             AuditEventJson(e));
  }
  t.Print(state.format(), ctx->masker);
  if (state.format() == OutputFormat::kTable && t.size() == 0) {
    fmt::print(stderr, "No audit events match.\n");
  }
  return kExitOk;
}

}  // namespace

AuditedActions Audited(CliContext& ctx) {
  return AuditedActions(*ctx.store, ctx.clock, ctx.killer(),
                        Actor{.username = OsUser(), .source = "cli", .origin = HostName()});
}

void AddAuditCommands(CLI::App& app, CliState& state) {
  static ListArgs args;
  auto* audit = app.add_subcommand(
      "audit", "Read the audit log: who triggered, cleared, marked, paused or changed what");
  audit->require_subcommand(1);
  auto* list = audit->add_subcommand("list", "List audit events, newest first");
  list->add_option("--dag", args.dag_id, "Only events about this DAG");
  list->add_option("--run", args.run_id, "Only events about this run");
  list->add_option("--task", args.task_id, "Only events about this task");
  list->add_option("--user", args.user, "Only events by this user (weir or OS user)");
  list->add_option("--action", args.action,
                   "Only this action (trigger, clear, mark_task, variable_set, ...)");
  list->add_option("--source", args.source, "Only from ui, api or cli")
      ->check(CLI::IsMember({"ui", "api", "cli"}));
  list->add_option("--since", args.since,
                   "From this date or date-time (UTC unless it has an offset)");
  list->add_option("--until", args.until, "Before this date or date-time");
  list->add_option("-n,--limit", args.limit, "At most this many events (0: all)")
      ->capture_default_str();
  AddOutputOption(list, state);
  list->callback([&state] { state.Run([&] { return List(state, args); }); });
}

}  // namespace weir
