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
};

// The request body as a JSON object (an empty body is {}); a 400 naming the problem
// otherwise.
Result<Json> BodyObject(const ApiCtx& c);

// POST, PATCH and DELETE endpoints: triggering, clearing, marking, pausing, variables.
// nullopt when no write endpoint has this path.
std::optional<Result<Json>> RouteWrite(ApiCtx& c, const std::vector<std::string>& segments);

// GET /users (admin).
Result<Json> ListUsersJson(ApiCtx& c);

// The role a request needs: viewer to read, op to change, admin for /users.
Role RoleNeeded(const ApiRequest& req, const std::vector<std::string>& segments);

}  // namespace weir
