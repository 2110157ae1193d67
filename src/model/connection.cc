#include "model/connection.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

#include "base/strings.h"
#include "base/url.h"

namespace weir {
namespace {

constexpr std::string_view kExtraKey = "__extra__";

// Airflow's normalisation: '-' in a URI scheme stands for '_' (google-cloud-platform), and
// postgresql is postgres.
std::string NormalizeType(std::string_view scheme) {
  std::string type = ToLower(scheme);
  std::ranges::replace(type, '-', '_');
  if (type == "postgresql") type = "postgres";
  return type;
}

std::unexpected<Error> Bad(std::string_view where, std::string_view what) {
  return Err(ErrorCode::kInvalidArgument, "{}: {}", where, what);
}

Result<std::optional<int>> ParsePort(std::string_view text, std::string_view where) {
  if (text.empty()) return std::optional<int>();
  int port = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (ec != std::errc() || end != text.data() + text.size() || port < 0 || port > 65535) {
    return Bad(where, fmt::format("port '{}' is not a number from 0 to 65535", text));
  }
  return std::optional<int>(port);
}

// "extra" as an object: an object as is, JSON text parsed, null or "" as {}.
Result<Json> ExtraObject(const Json& extra, std::string_view where) {
  if (extra.is_null()) return Json::object();
  if (extra.is_object()) return extra;
  if (extra.is_string()) {
    const auto& text = extra.get_ref<const std::string&>();
    if (text.empty()) return Json::object();
    auto parsed = ParseJson(text, fmt::format("{}: extra", where));
    if (!parsed) return std::unexpected(parsed.error());
    if (parsed->is_object()) return *parsed;
  }
  return Bad(where,
             "extra must be a JSON object (or its text), e.g. {\"region_name\": \"eu-west-1\"}");
}

bool AllStrings(const Json& object) {
  return std::ranges::all_of(object.items(), [](const auto& kv) { return kv.value().is_string(); });
}

// The fields of a Google key file that identify rather than authenticate: masking them would
// hide a project or an account's email in every message (and the word "service_account").
bool IsPublicKeyFileField(std::string_view key) {
  static constexpr std::string_view kPublic[] = {"type",
                                                 "project_id",
                                                 "client_email",
                                                 "client_id",
                                                 "auth_uri",
                                                 "token_uri",
                                                 "universe_domain",
                                                 "auth_provider_x509_cert_url",
                                                 "client_x509_cert_url"};
  return std::ranges::find(kPublic, key) != std::end(kPublic);
}

// The secrets in a sensitive extra value. An object (or a string holding one: a key file pasted
// as text) gives its leaves, not its whole text: the masker would hide every leaf of that text,
// the identifying ones too; each secret leaf is hidden in every encoding, inside the text as well.
void AddLeaves(const Json& value, std::vector<std::string>& out) {
  const Json* object = value.is_object() ? &value : nullptr;
  Json parsed;
  if (value.is_string() && value.get_ref<const std::string&>().starts_with('{')) {
    parsed = Json::parse(value.get_ref<const std::string&>(), nullptr, false);
    if (parsed.is_object()) object = &parsed;
  }
  if (object != nullptr) {
    for (const auto& [k, v] : object->items()) {
      if (!IsPublicKeyFileField(k)) AddLeaves(v, out);
    }
  } else if (value.is_string()) {
    out.push_back(value.get<std::string>());
  } else if (value.is_array()) {
    out.push_back(value.dump());
    for (const auto& item : value) AddLeaves(item, out);
  } else if (!value.is_null()) {
    out.push_back(value.dump());
  }
}

Json MaskedExtra(const Json& extra) {
  Json out = Json::object();
  for (const auto& [k, v] : extra.items()) out[k] = IsSensitiveKey(k) ? Json("***") : v;
  return out;
}

}  // namespace

Result<Connection> ParseConnectionUri(std::string_view uri, std::string_view where) {
  if (uri.size() > kMaxConnectionText) {
    return Bad(where, fmt::format("the connection is {} bytes, more than the {} allowed",
                                  uri.size(), kMaxConnectionText));
  }
  size_t sep = uri.find("://");
  if (sep == std::string_view::npos || sep == 0) {
    return Bad(where,
               "not a connection URI: expected type://login:password@host:port/schema?extra "
               "(e.g. aws://KEY:SECRET@?region_name=eu-west-1)");
  }
  Connection c;
  c.conn_type = NormalizeType(uri.substr(0, sep));
  if (!std::ranges::all_of(c.conn_type, [](char ch) {
        return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '.' || ch == '+';
      })) {
    return Bad(where, fmt::format("bad connection type '{}' before ://", uri.substr(0, sep)));
  }
  std::string_view rest = uri.substr(sep + 3);
  // A host that keeps its protocol (type://https://host): a second "://" before any '/', '@'
  // or ':' of the authority.
  std::string protocol;
  if (size_t second = rest.find("://"); second != std::string_view::npos) {
    std::string_view scheme = rest.substr(0, second);
    if (scheme.find_first_of("@:/?") != std::string_view::npos) {
      return Bad(where, "a connection URI has at most two '://'");
    }
    protocol = std::string(scheme);
    rest = rest.substr(second + 3);
    if (rest.find("://") != std::string_view::npos) {
      return Bad(where, "a connection URI has at most two '://'");
    }
  }
  size_t authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view tail = authority_end == std::string_view::npos ? "" : rest.substr(authority_end);
  std::string_view query;
  if (size_t q = tail.find('?'); q != std::string_view::npos) {
    query = tail.substr(q + 1);
    tail = tail.substr(0, q);
  }
  if (size_t hash = query.find('#'); hash != std::string_view::npos) query = query.substr(0, hash);
  if (size_t hash = tail.find('#'); hash != std::string_view::npos) tail = tail.substr(0, hash);
  if (!tail.empty() && tail.front() == '/') c.schema = PercentDecode(tail.substr(1));

  std::string_view hostport = authority;
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    hostport = authority.substr(at + 1);
    size_t colon = userinfo.find(':');
    c.login = PercentDecode(userinfo.substr(0, colon));
    if (colon != std::string_view::npos) c.password = PercentDecode(userinfo.substr(colon + 1));
  }
  std::string_view host = hostport;
  std::string_view port;
  if (!hostport.empty() && hostport.front() == '[') {  // [IPv6]:port
    size_t close = hostport.find(']');
    if (close == std::string_view::npos) {
      return Bad(where, "an IPv6 host in [ ] lacks its ']'");
    }
    host = hostport.substr(0, close + 1);
    if (close + 1 < hostport.size() && hostport[close + 1] == ':') {
      port = hostport.substr(close + 2);
    }
  } else if (size_t colon = hostport.rfind(':'); colon != std::string_view::npos) {
    host = hostport.substr(0, colon);
    port = hostport.substr(colon + 1);
  }
  c.host = PercentDecode(host);
  if (!protocol.empty()) c.host = protocol + "://" + c.host;
  c.port = TRY(ParsePort(port, where));

  Json extra = Json::object();
  std::optional<std::string> nested;
  size_t pos = 0;
  while (pos <= query.size() && !query.empty()) {
    size_t amp = query.find('&', pos);
    std::string_view pair = query.substr(pos, amp == std::string_view::npos ? amp : amp - pos);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      std::string key = PercentDecode(pair.substr(0, eq), true);
      std::string value =
          eq == std::string_view::npos ? std::string() : PercentDecode(pair.substr(eq + 1), true);
      if (key == kExtraKey) {
        nested = std::move(value);
      } else {
        extra[key] = std::move(value);
      }
    }
    if (amp == std::string_view::npos) break;
    pos = amp + 1;
  }
  c.extra = nested ? TRY(ExtraObject(Json(*nested), where)) : std::move(extra);
  return c;
}

Result<Connection> ParseConnectionJson(const Json& json, std::string_view where) {
  if (!json.is_object()) return Bad(where, "a connection must be a JSON object");
  static constexpr std::array<std::string_view, 9> kFields = {
      "conn_id", "conn_type", "description", "host", "schema",
      "login",   "password",  "port",        "extra"};
  Connection c;
  for (const auto& [key, value] : json.items()) {
    if (std::ranges::find(kFields, key) == kFields.end()) {
      return Bad(where, fmt::format("unknown connection field '{}' (known: conn_type, host, login, "
                                    "password, schema, port, extra, description)",
                                    key));
    }
    if (key == "extra" || value.is_null()) continue;
    if (key == "port") {
      if (value.is_number_integer()) {
        c.port = TRY(ParsePort(value.dump(), where));
      } else if (value.is_string()) {
        c.port = TRY(ParsePort(value.get<std::string>(), where));
      } else {
        return Bad(where, "port must be a number");
      }
      continue;
    }
    if (!value.is_string()) {
      return Bad(where, fmt::format("'{}' must be a string", key));
    }
    std::string text = value.get<std::string>();
    if (key == "conn_type") {
      c.conn_type = NormalizeType(text);
    } else {
      std::string Connection::*field = key == "conn_id"       ? &Connection::conn_id
                                       : key == "description" ? &Connection::description
                                       : key == "host"        ? &Connection::host
                                       : key == "schema"      ? &Connection::schema
                                       : key == "login"       ? &Connection::login
                                                              : &Connection::password;
      c.*field = std::move(text);
    }
  }
  if (c.conn_type.empty()) {
    return Bad(where, "the connection has no conn_type (e.g. \"aws\")");
  }
  c.extra = TRY(ExtraObject(json.contains("extra") ? json["extra"] : Json(), where));
  return c;
}

Result<Connection> ParseConnectionText(std::string_view text, std::string_view where) {
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && text[first] == '{') {
    if (text.size() > kMaxConnectionText) {
      return Bad(where, fmt::format("the connection is {} bytes, more than the {} allowed",
                                    text.size(), kMaxConnectionText));
    }
    return ParseConnectionJson(TRY(ParseJson(text, where)), where);
  }
  return ParseConnectionUri(text.substr(first == std::string_view::npos ? text.size() : first),
                            where);
}

std::string ConnectionUri(const Connection& c) {
  std::string type = ToLower(c.conn_type);
  std::ranges::replace(type, '_', '-');
  std::string uri = type + "://";
  std::string host = c.host;
  if (size_t p = host.find("://"); p != std::string::npos) {
    uri += host.substr(0, p) + "://";
    host = host.substr(p + 3);
  }
  std::string block;
  if (!c.login.empty()) block += PercentEncode(c.login);
  if (!c.password.empty()) block += ":" + PercentEncode(c.password);
  if (!block.empty()) block += "@";
  block += PercentEncode(host);
  if (c.port) block += fmt::format(":{}", *c.port);
  if (!c.schema.empty()) block += "/" + PercentEncode(c.schema);
  uri += block;
  if (!c.extra.empty()) {
    uri += c.schema.empty() ? "/?" : "?";
    if (AllStrings(c.extra) && !c.extra.contains(std::string(kExtraKey))) {
      std::string query;
      for (const auto& [k, v] : c.extra.items()) {
        if (!query.empty()) query += '&';
        query += PercentEncode(k, {.plus_for_space = true}) + "=" +
                 PercentEncode(v.get<std::string>(), {.plus_for_space = true});
      }
      uri += query;
    } else {
      uri += std::string(kExtraKey) + "=" + PercentEncode(c.extra.dump(), {.plus_for_space = true});
    }
  }
  return uri;
}

Json ConnectionJson(const Connection& c, bool show_secrets) {
  Json j = {{"conn_type", c.conn_type}};
  if (!c.description.empty()) j["description"] = c.description;
  if (!c.host.empty()) j["host"] = c.host;
  if (!c.schema.empty()) j["schema"] = c.schema;
  if (!c.login.empty()) j["login"] = c.login;
  if (!c.password.empty()) j["password"] = show_secrets ? c.password : "***";
  if (c.port) j["port"] = *c.port;
  if (!c.extra.empty()) j["extra"] = show_secrets ? c.extra : MaskedExtra(c.extra);
  return j;
}

Json ConnectionTemplateJson(const Connection& c) {
  Json j = {{"conn_id", c.conn_id},         {"conn_type", c.conn_type},
            {"description", c.description}, {"host", c.host},
            {"schema", c.schema},           {"login", c.login},
            {"password", c.password},       {"extra", c.extra.empty() ? "" : c.extra.dump()},
            {"extra_dejson", c.extra}};
  j["port"] = c.port ? Json(*c.port) : Json();
  return j;
}

bool IsSensitiveKey(std::string_view key) {
  static constexpr std::array<std::string_view, 17> kWords = {
      "access_token",  "api_key",           "apikey",
      "authorization", "passphrase",        "passwd",
      "password",      "private_key",       "secret",
      "token",         "keyfile_dict",      "service_account",
      "credential",    "connection_string", "sas",
      "key_json",      "account_key"};
  std::string lower = ToLower(key);
  return std::ranges::any_of(
      kWords, [&](std::string_view w) { return lower.find(w) != std::string::npos; });
}

std::vector<std::string> ConnectionSecrets(const Connection& c) {
  std::vector<std::string> out;
  if (!c.password.empty()) out.push_back(c.password);
  for (const auto& [k, v] : c.extra.items()) {
    if (IsSensitiveKey(k)) AddLeaves(v, out);
  }
  std::erase_if(out, [](const std::string& s) { return s.empty(); });
  return out;
}

std::pair<Json, Json> SplitExtra(const Json& extra) {
  Json pub = Json::object();
  Json secret = Json::object();
  for (const auto& [k, v] : extra.items()) (IsSensitiveKey(k) ? secret : pub)[k] = v;
  return {pub, secret};
}

std::string ConnectionEnvName(std::string_view conn_id) {
  std::string name(kConnectionEnvPrefix);
  for (char c : conn_id) name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

}  // namespace weir
