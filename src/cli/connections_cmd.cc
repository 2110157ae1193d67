// `weir connections add|get|list|test|delete|export|import|rotate-key`: Airflow's connections,
// with their secrets sealed in the database (engine/connections.h, docs/connections.md).
#include <unistd.h>

#include <iostream>
#include <iterator>

#include "base/ids.h"
#include "cli/commands.h"
#include "engine/connections.h"
#include "env/files.h"
#include "env/seal_keys.h"
#include "ops/connection_check.h"

namespace weir {

namespace {

struct AddOptions {
  std::string conn_id;
  std::string uri;
  std::string json;
  std::string conn_type;
  std::string host;
  std::string login;
  std::string password;
  std::string schema;
  std::string extra;
  std::string description;
  int port = -1;
  bool replace = false;
};

// "-" reads the text from standard input (so that no secret is on a command line).
Result<std::string> TextOrStdin(const std::string& text, std::string_view flag) {
  if (text != "-") return text;
  std::string in((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  while (!in.empty() && (in.back() == '\n' || in.back() == '\r')) in.pop_back();
  if (in.size() > kMaxConnectionText) {
    return Err(ErrorCode::kInvalidArgument, "{} from standard input is more than {} bytes", flag,
               kMaxConnectionText);
  }
  return in;
}

Result<Connection> ConnectionFromOptions(const AddOptions& o) {
  int forms = int{!o.uri.empty()} + int{!o.json.empty()} + int{!o.conn_type.empty()};
  if (forms != 1) {
    return Err(ErrorCode::kInvalidArgument,
               "give the connection as exactly one of --uri, --json or --conn-type (with --host, "
               "--login, --password, --schema, --port, --extra)");
  }
  Connection c;
  if (!o.uri.empty()) {
    c = TRY(ParseConnectionUri(TRY(TextOrStdin(o.uri, "--uri")), "--uri"));
  } else if (!o.json.empty()) {
    std::string text = TRY(TextOrStdin(o.json, "--json"));
    c = TRY(ParseConnectionJson(TRY(ParseJson(text, "--json")), "--json"));
  } else {
    Json j = {{"conn_type", o.conn_type}};
    if (!o.extra.empty()) j["extra"] = o.extra;
    c = TRY(ParseConnectionJson(j, "--extra"));
  }
  if (!o.host.empty()) c.host = o.host;
  if (!o.login.empty()) c.login = o.login;
  if (!o.password.empty()) c.password = TRY(TextOrStdin(o.password, "--password"));
  if (!o.schema.empty()) c.schema = o.schema;
  if (!o.description.empty()) c.description = o.description;
  if (o.port >= 0) {
    if (o.port > 65535) return Err(ErrorCode::kInvalidArgument, "--port must be 0 to 65535");
    c.port = o.port;
  }
  c.conn_id = o.conn_id;
  return c;
}

Result<int> ConnAdd(CliState& state, const AddOptions& o) {
  auto ctx = TRY(state.Open(false));
  TRY(CheckId(IdKind::kConnection, o.conn_id));
  Connection c = TRY(ConnectionFromOptions(o));
  if (!o.replace) {
    auto existing = ctx->store->GetConnection(o.conn_id);
    if (existing) {
      return Err(ErrorCode::kAlreadyExists,
                 "connection '{}' exists already: add --replace to replace it", o.conn_id);
    }
    if (existing.error().code != ErrorCode::kNotFound) return std::unexpected(existing.error());
  }
  TRY(Audited(*ctx).SetConnection(c, ctx->config.secret_key_file));
  fmt::print("connection {} ({}) {}\n", c.conn_id, c.conn_type, o.replace ? "set" : "added");
  if (std::getenv(ConnectionEnvName(c.conn_id).c_str()) != nullptr) {
    fmt::print(stderr, "note: {} is set in this environment and wins over the stored one\n",
               ConnectionEnvName(c.conn_id));
  }
  return kExitOk;
}

// Where a connection comes from: the environment wins, as in FindConnection.
struct Listed {
  Connection connection;  // secrets empty for stored ones
  std::string source;     // "database" or the environment variable's name
};

Result<std::vector<Listed>> ListAll(CliContext& ctx) {
  std::map<std::string, Listed> all;
  for (const StoredConnection& s : TRY(ctx.store->ListConnections())) {
    all[s.conn_id] = {ConnectionWithoutSecrets(s), "database"};
  }
  for (EnvConnection& e : TRY(EnvironmentConnections())) {
    std::string id = e.connection.conn_id;
    all[id] = {std::move(e.connection), e.env_name};
  }
  std::vector<Listed> out;
  out.reserve(all.size());
  for (auto& [id, l] : all) out.push_back(std::move(l));
  return out;
}

Result<int> ConnList(CliState& state) {
  auto ctx = TRY(state.Open(false));
  Table t({"conn_id", "conn_type", "host", "login", "port", "source"});
  for (const Listed& l : TRY(ListAll(*ctx))) {
    const Connection& c = l.connection;
    Json row = ConnectionJson(c, false);
    row.erase("password");
    row["conn_id"] = c.conn_id;
    row["source"] = l.source;
    t.AddRow(
        {c.conn_id, c.conn_type, c.host, c.login, c.port ? std::to_string(*c.port) : "", l.source},
        std::move(row));
  }
  t.Print(state.format(), ctx->masker);
  return kExitOk;
}

Result<int> ConnGet(CliState& state, const std::string& conn_id, bool show_secrets, bool uri) {
  auto ctx = TRY(state.Open(false));
  Connection c = TRY(FindConnection(*ctx->store, ctx->config.secret_key_file, conn_id));
  if (uri) {
    // The masker knows every connection's secrets, in the forms a URI quotes them in.
    std::string text = ConnectionUri(c);
    fmt::print("{}\n", show_secrets ? text : ctx->masker.Mask(text));
    return kExitOk;
  }
  Json j = ConnectionJson(c, show_secrets);
  j["conn_id"] = c.conn_id;
  fmt::print("{}\n", j.dump(2));
  return kExitOk;
}

Result<int> ConnTest(CliState& state, const std::string& conn_id) {
  auto ctx = TRY(state.Open(false));
  Connection c = TRY(FindConnection(*ctx->store, ctx->config.secret_key_file, conn_id));
  auto seen = CheckConnection(c);
  if (!seen) {
    return Err(seen.error().code, "connection {} ({}) failed its check: {}", conn_id, c.conn_type,
               ctx->masker.Mask(seen.error().message));
  }
  fmt::print("connection {} ({}) works: {}\n", conn_id, c.conn_type, ctx->masker.Mask(*seen));
  return kExitOk;
}

Result<int> ConnDelete(CliState& state, const std::string& conn_id) {
  auto ctx = TRY(state.Open(false));
  TRY(Audited(*ctx).DeleteConnection(conn_id));
  fmt::print("connection {} deleted\n", conn_id);
  return kExitOk;
}

// Airflow's export: a JSON object of conn_id -> the JSON form, secrets in clear (it is a
// backup, and what `import` reads); only stored connections.
Result<int> ConnExport(CliState& state, const std::string& file) {
  auto ctx = TRY(state.Open(false));
  Json out = Json::object();
  std::vector<StoredConnection> stored = TRY(ctx->store->ListConnections());
  std::optional<SealKeyRing> ring;
  for (const StoredConnection& s : stored) {
    Connection c = ConnectionWithoutSecrets(s);
    if (!s.sealed.empty()) {
      if (!ring) ring = TRY(LoadSealKeys(ctx->config.secret_key_file));
      c = TRY(OpenConnection(s, *ring));
    }
    out[c.conn_id] = ConnectionJson(c, true);
  }
  std::string text = out.dump(2) + "\n";
  if (file == "-") {
    fmt::print("{}", text);
  } else {
    TRY(WriteFileAtomic(file, text));  // owner-only: it holds the secrets
    fmt::print("exported {} connection{} to {} (secrets in clear: keep it private)\n",
               stored.size(), stored.size() == 1 ? "" : "s", file);
  }
  return kExitOk;
}

// Airflow's import: the export's object (each value the JSON form or a URI). Every entry is
// checked before any is stored; existing ones are kept unless `overwrite`.
Result<int> ConnImport(CliState& state, const std::string& file, bool overwrite) {
  auto ctx = TRY(state.Open(false));
  std::string text = file == "-" ? TRY(TextOrStdin("-", "the import")) : TRY(ReadFile(file));
  Json in = TRY(ParseJson(text, file));
  if (!in.is_object()) {
    return Err(ErrorCode::kInvalidArgument,
               "{}: expected a JSON object of conn_id: connection (what `weir connections "
               "export` writes)",
               file);
  }
  std::vector<Connection> parsed;
  for (const auto& [id, value] : in.items()) {
    std::string where = fmt::format("{}: connection '{}'", file, id);
    TRY_CONTEXT(CheckId(IdKind::kConnection, id), where);
    Connection c = value.is_string() ? TRY(ParseConnectionUri(value.get<std::string>(), where))
                                     : TRY(ParseConnectionJson(value, where));
    c.conn_id = id;
    parsed.push_back(std::move(c));
  }
  int added = 0;
  int skipped = 0;
  for (const Connection& c : parsed) {
    auto existing = ctx->store->GetConnection(c.conn_id);
    if (existing && !overwrite) {
      fmt::print("connection {} exists: skipped (add --overwrite to replace it)\n", c.conn_id);
      ++skipped;
      continue;
    }
    TRY(Audited(*ctx).SetConnection(c, ctx->config.secret_key_file));
    ++added;
  }
  fmt::print("imported {} connection{}, skipped {}\n", added, added == 1 ? "" : "s", skipped);
  return kExitOk;
}

Result<int> ConnRotateKey(CliState& state) {
  auto ctx = TRY(state.Open(false));
  KeyRotation r = TRY(Audited(*ctx).RotateConnectionKey(ctx->config.secret_key_file));
  fmt::print("{} connection{} sealed with key {} (was {})\n", r.resealed,
             r.resealed == 1 ? "" : "s", r.new_key_id,
             r.old_key_id.empty() ? "none" : r.old_key_id);
  if (r.from_environment) {
    fmt::print(
        "the keys come from WEIR_SECRET_KEY: keys after the first may now be removed from it\n");
  } else {
    fmt::print("{} holds only the new key now; keep a copy of it somewhere safe\n",
               ctx->config.secret_key_file);
  }
  return kExitOk;
}

}  // namespace

void AddConnectionsCommands(CLI::App& app, CliState& state) {
  static AddOptions add_options;
  static std::string conn_id, file;
  static bool show_secrets = false, as_uri = false, overwrite = false;

  auto* conns = app.add_subcommand(
      "connections", "Add, show, list, test, delete, export and import connections (Airflow's)");
  conns->require_subcommand(1);

  auto* add = conns->add_subcommand("add", "Store a connection, its secrets sealed");
  AddOptions& o = add_options;
  add->add_option("conn_id", o.conn_id)->required();
  add->add_option("--uri", o.uri,
                  "Airflow's URI form, e.g. aws://KEY:SECRET@?region_name=eu-west-1 (- reads "
                  "standard input)");
  add->add_option("--json", o.json, "Airflow's JSON form (- reads standard input)");
  add->add_option("--conn-type", o.conn_type, "aws, google_cloud_platform, azure_blob, http, ...");
  add->add_option("--host", o.host);
  add->add_option("--login", o.login);
  add->add_option("--password", o.password, "(- reads standard input)");
  add->add_option("--schema", o.schema);
  add->add_option("--port", o.port);
  add->add_option("--extra", o.extra, "A JSON object of the type's extra fields");
  add->add_option("--description", o.description);
  add->add_flag("--replace", o.replace, "Replace a connection of the same id");
  add->callback([&state] { state.Run([&] { return ConnAdd(state, add_options); }); });

  auto* get = conns->add_subcommand("get", "Show a connection (secrets as *** unless asked)");
  get->add_option("conn_id", conn_id)->required();
  get->add_flag("--show-secrets", show_secrets, "Print the password and secret extra fields");
  get->add_flag("--uri", as_uri, "Print the URI form");
  get->callback(
      [&state] { state.Run([&] { return ConnGet(state, conn_id, show_secrets, as_uri); }); });

  auto* list = conns->add_subcommand("list", "List connections (stored and WEIR_CONN_*)");
  AddOutputOption(list, state);
  list->callback([&state] { state.Run([&] { return ConnList(state); }); });

  auto* test = conns->add_subcommand(
      "test",
      "Check a connection with one harmless request (http: GET its URL; aws: list buckets)");
  test->add_option("conn_id", conn_id)->required();
  test->callback([&state] { state.Run([&] { return ConnTest(state, conn_id); }); });

  auto* del = conns->add_subcommand("delete", "Delete a stored connection");
  del->add_option("conn_id", conn_id)->required();
  del->callback([&state] { state.Run([&] { return ConnDelete(state, conn_id); }); });

  auto* exp = conns->add_subcommand(
      "export", "Write the stored connections to a JSON file (secrets in clear; - for stdout)");
  exp->add_option("file", file)->required();
  exp->callback([&state] { state.Run([&] { return ConnExport(state, file); }); });

  auto* imp = conns->add_subcommand("import", "Store the connections of a JSON file");
  imp->add_option("file", file)->required();
  imp->add_flag("--overwrite", overwrite, "Replace connections that exist");
  imp->callback([&state] { state.Run([&] { return ConnImport(state, file, overwrite); }); });

  conns->add_subcommand("rotate-key", "Seal every stored connection with a new key (crash-safe)")
      ->callback([&state] { state.Run([&] { return ConnRotateKey(state); }); });
}

}  // namespace weir
