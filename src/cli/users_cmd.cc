// `weir users create|list|delete|reset-password|token|tokens|revoke-token`.
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <iostream>

#include "auth/authenticator.h"
#include "auth/password.h"
#include "auth/users.h"
#include "cli/commands.h"

namespace weir {

namespace {

Json OptionalIso(const std::optional<Time>& t) {
  return t.has_value() ? Json(FormatIso(*t)) : Json(nullptr);
}

// The terminal's settings while a password is typed without echo, restored on return and on
// Ctrl-C (which would otherwise leave the shell without echo).
struct termios g_saved_termios;

void RestoreTerminalAndDie(int sig) {
  tcsetattr(STDIN_FILENO, TCSADRAIN, &g_saved_termios);
  signal(sig, SIG_DFL);
  raise(sig);
}

class EchoOff {
 public:
  EchoOff() {
    if (tcgetattr(STDIN_FILENO, &g_saved_termios) != 0) return;
    active_ = true;
    old_int_ = signal(SIGINT, RestoreTerminalAndDie);
    old_term_ = signal(SIGTERM, RestoreTerminalAndDie);
    struct termios quiet = g_saved_termios;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;  // the newline still shows, so the next prompt starts on its own line
    tcsetattr(STDIN_FILENO, TCSADRAIN, &quiet);
  }
  ~EchoOff() {
    if (!active_) return;
    tcsetattr(STDIN_FILENO, TCSADRAIN, &g_saved_termios);
    signal(SIGINT, old_int_);
    signal(SIGTERM, old_term_);
  }
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;

 private:
  bool active_ = false;
  sighandler_t old_int_ = SIG_DFL;
  sighandler_t old_term_ = SIG_DFL;
};

std::string ReadLine() {
  std::string line;
  std::getline(std::cin, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

// With --password-stdin, the first line of standard input (for scripts: no password in the
// process list or the shell history). Otherwise typed twice on the terminal without echo.
Result<std::string> ReadNewPassword(bool from_stdin, const std::string& username) {
  if (from_stdin) {
    std::string password = ReadLine();
    if (password.empty() && !std::cin) {
      return Err(ErrorCode::kInvalidArgument,
                 "--password-stdin: standard input ended before a password line");
    }
    TRY(CheckPasswordRules(password));
    return password;
  }
  if (!isatty(STDIN_FILENO)) {
    return Err(ErrorCode::kInvalidArgument,
               "no password: standard input is not a terminal to type it on; write it to "
               "standard input with --password-stdin (printf '%s\\n' \"$PASSWORD\" | weir users "
               "... --password-stdin)");
  }
  EchoOff echo_off;
  fmt::print(stderr, "New password for {} (at least {} characters): ", username, kMinPasswordChars);
  std::fflush(stderr);
  std::string first = ReadLine();
  TRY(CheckPasswordRules(first));
  fmt::print(stderr, "Repeat it: ");
  std::fflush(stderr);
  if (ReadLine() != first) {
    return Err(ErrorCode::kInvalidArgument, "the two passwords differ; nothing was changed");
  }
  return first;
}

Result<int> Create(CliState& state, const std::string& username, const std::string& role_name,
                   bool password_stdin) {
  Role role = TRY(ParseRole(role_name));
  TRY(CheckUsername(username));
  auto ctx = TRY(state.Open(false));
  // Fail before asking for a password that would be thrown away.
  if (auto existing = ctx->store->GetUser(username); existing.has_value()) {
    return Err(ErrorCode::kAlreadyExists,
               "a user named '{}' exists already; `weir users reset-password {}` sets a new "
               "password",
               username, username);
  }
  std::string password = TRY(ReadNewPassword(password_stdin, username));
  AuditEvent event = Audited(*ctx).Event(audit::kUserCreate);
  event.details = {{"username", username}, {"role", RoleName(role)}};
  User user = TRY(AddUser(*ctx->store, username, role, password, AuditRecord{*ctx->store, event}));
  fmt::print("user {} created with role {}\n", user.username, user.role);
  return kExitOk;
}

Result<int> List(CliState& state) {
  auto ctx = TRY(state.Open(false));
  Table t({"username", "role", "created", "last login", "failed logins", "locked until"});
  for (const User& u : TRY(ctx->store->ListUsers())) {
    // Never the password hash: it would let anyone who sees it guess offline.
    t.AddRow({u.username, u.role, ShortTime(u.created_at), ShortTime(u.last_login_at),
              std::to_string(u.failed_logins), ShortTime(u.locked_until)},
             Json{{"username", u.username},
                  {"role", u.role},
                  {"created_at", FormatIso(u.created_at)},
                  {"updated_at", FormatIso(u.updated_at)},
                  {"last_login_at", OptionalIso(u.last_login_at)},
                  {"failed_logins", u.failed_logins},
                  {"locked_until", OptionalIso(u.locked_until)}});
  }
  t.Print(state.format());
  return kExitOk;
}

Result<int> Delete(CliState& state, const std::string& username, bool yes) {
  auto ctx = TRY(state.Open(false));
  User user = TRY(ctx->store->GetUser(username));
  if (!yes && isatty(STDIN_FILENO)) {
    size_t tokens = TRY(ctx->store->ListApiTokens(user.id)).size();
    fmt::print("Delete user {} ({}), its {} API token(s) and its sessions? [y/N] ", username,
               user.role, tokens);
    std::fflush(stdout);
    std::string answer = ReadLine();
    if (answer != "y" && answer != "Y" && answer != "yes") {
      fmt::print("Nothing deleted.\n");
      return kExitOk;
    }
  }
  AuditEvent event = Audited(*ctx).Event(audit::kUserDelete);
  event.details = {{"username", user.username}, {"role", user.role}};
  TRY(Audited(*ctx).Record(event, [&] { return ctx->store->DeleteUser(username); }));
  fmt::print("user {} deleted, with its API tokens and sessions\n", username);
  return kExitOk;
}

Result<int> ResetUserPassword(CliState& state, const std::string& username, bool password_stdin) {
  auto ctx = TRY(state.Open(false));
  TRY(ctx->store->GetUser(username));  // before asking for a password
  std::string password = TRY(ReadNewPassword(password_stdin, username));
  AuditEvent event = Audited(*ctx).Event(audit::kUserPassword);
  event.details = {{"username", username}};
  TRY(ResetPassword(*ctx->store, username, password, AuditRecord{*ctx->store, event}));
  fmt::print("password of {} reset; failed logins cleared and its browser sessions ended\n",
             username);
  return kExitOk;
}

Result<int> MakeToken(CliState& state, const std::string& username, const std::string& name,
                      const std::string& expires) {
  auto ctx = TRY(state.Open(false));
  // Whole seconds: the expiry is shown to people.
  Time now = std::chrono::floor<std::chrono::seconds>(ctx->clock.Now());
  std::optional<Time> expires_at;
  if (!expires.empty() && expires != "never") {
    auto ttl = ParseDuration(expires);
    if (!ttl.has_value()) return std::unexpected(ttl.error().Wrap("--expires"));
    if (*ttl <= Duration::zero()) {
      return Err(ErrorCode::kInvalidArgument, "--expires: '{}' is not a positive duration",
                 expires);
    }
    expires_at = now + *ttl;
  }
  Authenticator auth(*ctx->store);
  CreatedToken created;
  AuditEvent event = Audited(*ctx).Event(audit::kTokenCreate);
  // The token's name and expiry, never the token.
  event.details = {{"username", username}, {"name", name}, {"expires_at", OptionalIso(expires_at)}};
  TRY(Audited(*ctx).Record(event, [&]() -> Status {
    created = TRY(auth.CreateToken(username, name, expires_at, now));
    return {};
  }));
  if (state.format() == OutputFormat::kJson) {
    fmt::print("{}\n", Json{{"username", username},
                            {"name", name},
                            {"token", created.token},
                            {"prefix", created.row.prefix},
                            {"expires_at", OptionalIso(expires_at)}}
                           .dump(2));
  } else {
    // The token alone on stdout, for `TOKEN=$(weir users token ...)`; the rest on stderr.
    fmt::print("{}\n", created.token);
    fmt::print(stderr,
               "API token '{}' for {} ({}), expires {}. It is shown only this once: store it "
               "now. Send it as 'Authorization: Bearer <token>'.\n",
               name, username, TRY(ctx->store->GetUser(username)).role,
               expires_at.has_value() ? FormatIso(*expires_at) : std::string("never"));
  }
  return kExitOk;
}

Result<int> ListTokens(CliState& state, const std::string& username) {
  auto ctx = TRY(state.Open(false));
  User user = TRY(ctx->store->GetUser(username));
  Table t({"name", "prefix", "created", "last used", "expires"});
  for (const ApiToken& token : TRY(ctx->store->ListApiTokens(user.id))) {
    t.AddRow({token.name, token.prefix + "...", ShortTime(token.created_at),
              ShortTime(token.last_used_at),
              token.expires_at.has_value() ? ShortTime(token.expires_at) : "never"},
             Json{{"name", token.name},
                  {"prefix", token.prefix},
                  {"created_at", FormatIso(token.created_at)},
                  {"last_used_at", OptionalIso(token.last_used_at)},
                  {"expires_at", OptionalIso(token.expires_at)}});
  }
  t.Print(state.format());
  return kExitOk;
}

Result<int> Revoke(CliState& state, const std::string& username, const std::string& name) {
  auto ctx = TRY(state.Open(false));
  AuditEvent event = Audited(*ctx).Event(audit::kTokenRevoke);
  event.details = {{"username", username}, {"name", name}};
  TRY(Audited(*ctx).Record(event, [&] { return RevokeToken(*ctx->store, username, name); }));
  fmt::print("API token '{}' of {} revoked\n", name, username);
  return kExitOk;
}

}  // namespace

void AddUsersCommands(CLI::App& app, CliState& state) {
  static std::string username, role, name, expires;
  static bool password_stdin = false, yes = false;

  auto* users = app.add_subcommand(
      "users", "Manage who may use the web server and the API: users, roles, API tokens");
  users->require_subcommand(1);

  auto* create = users->add_subcommand("create", "Create a user");
  create->add_option("username", username)->required();
  create
      ->add_option("--role", role,
                   "admin (everything), op (trigger, clear, pause, edit "
                   "variables) or viewer (read only)")
      ->required();
  create->add_flag("--password-stdin", password_stdin,
                   "Read the password from the first line of standard input");
  create->callback(
      [&state] { state.Run([&] { return Create(state, username, role, password_stdin); }); });

  auto* list = users->add_subcommand("list", "List users (never their password hashes)");
  AddOutputOption(list, state);
  list->callback([&state] { state.Run([&] { return List(state); }); });

  auto* del = users->add_subcommand("delete", "Delete a user with its API tokens and sessions");
  del->add_option("username", username)->required();
  del->add_flag("-y,--yes", yes, "Do not ask for confirmation");
  del->callback([&state] { state.Run([&] { return Delete(state, username, yes); }); });

  auto* reset = users->add_subcommand(
      "reset-password", "Set a new password, clear a lockout and end the user's sessions");
  reset->add_option("username", username)->required();
  reset->add_flag("--password-stdin", password_stdin,
                  "Read the password from the first line of standard input");
  reset->callback(
      [&state] { state.Run([&] { return ResetUserPassword(state, username, password_stdin); }); });

  auto* token = users->add_subcommand("token", "Make an API token for scripts (shown once)");
  token->add_option("username", username)->required();
  token->add_option("--name", name, "What the token is for, unique per user")->required();
  token->add_option("--expires", expires, "Lifetime: 90d, 12h, ... or never")->default_str("never");
  AddOutputOption(token, state);
  token->callback(
      [&state] { state.Run([&] { return MakeToken(state, username, name, expires); }); });

  auto* tokens = users->add_subcommand("tokens", "List a user's API tokens");
  tokens->add_option("username", username)->required();
  AddOutputOption(tokens, state);
  tokens->callback([&state] { state.Run([&] { return ListTokens(state, username); }); });

  auto* revoke = users->add_subcommand("revoke-token", "Delete an API token; it stops working");
  revoke->add_option("username", username)->required();
  revoke->add_option("name", name)->required();
  revoke->callback([&state] { state.Run([&] { return Revoke(state, username, name); }); });
}

}  // namespace weir
