#pragma once

#include "cli/config.h"
#include "web/api.h"
#include "web/server.h"

namespace weir {

// The web server's and the API's settings from weir.yaml (what `weir webserver` and
// `weir standalone` share).
WebServerOptions WebOptionsOf(const Config& config);
ApiConfig ApiConfigOf(const Config& config);
// A new connection to the home's metadata store (config.database) per call, for the Api.
StoreOpener StoreOpenerOf(const Config& config);

}  // namespace weir
