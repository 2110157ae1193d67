#pragma once

// Shared by the API's source files; not part of the web layer's interface.

#include <map>
#include <string>
#include <vector>

#include "auth/authenticator.h"
#include "base/secret_masker.h"
#include "engine/dag_registry.h"
#include "env/clock.h"
#include "web/api.h"

namespace weir {

// One request in progress: the store connection leased for it, the DAG specs, who asked.
struct ApiCtx {
  MetadataStore& store;
  const std::map<std::string, LoadedDag>& dags;
  const ApiConfig& config;
  const ApiRequest& req;
  const Clock& clock;
  const AuthenticatedUser* who;  // null for the public endpoints
  const SecretMasker& masker;    // every answer passes it (Api::Handle); logs use it by range
  LongPolls& long_polls;
};

// The request body as a JSON object (an empty body is {}); a 400 naming the problem
// otherwise.
Result<Json> BodyObject(const ApiCtx& c);

// An integer field of a JSON body from min to max; `fallback` when it is absent or null
// (nullopt: the field is required). A 400 naming the field and the range otherwise: a float,
// a string, or a number out of range (never wrapped around, never truncated).
Result<int64_t> IntField(const Json& body, const char* name, int64_t min, int64_t max,
                         std::optional<int64_t> fallback);

// POST, PATCH and DELETE endpoints: triggering, clearing, marking, pausing, variables.
// nullopt when no write endpoint has this path.
std::optional<Result<Json>> RouteWrite(ApiCtx& c, const std::vector<std::string>& segments);

// GET /users (admin).
Result<Json> ListUsersJson(ApiCtx& c);

// Content-Type: application/json, with or without parameters.
bool IsJsonContentType(std::string_view content_type);

// Whether a browser says the request comes from a page of this server: Sec-Fetch-Site
// same-origin (or none), and an Origin whose host and port are the Host header. A request
// with neither header passes. kInvalidArgument naming the header otherwise.
Status FromThisSite(const ApiRequest& req);

// The role a request needs: viewer to read, op to change, admin for /users.
Role RoleNeeded(const ApiRequest& req, const std::vector<std::string>& segments);

}  // namespace weir
