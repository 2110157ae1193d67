#pragma once

#include <string>

#include "base/status.h"
#include "model/connection.h"

namespace weir {

// `weir connections test` and the Admin page's Test button: one harmless request that says
// whether weir can reach the system a connection names, with its credentials.
//   http   GET of its base URL (host), with its headers and auth: any status below 400
//   aws    ListBuckets at its endpoint (AWS, MinIO, Ceph, R2), signed with its keys
//   google_cloud_platform  an access token from its token_uri; with extra `project`, the
//          project's buckets
//   azure_blob (or wasb)  List Containers at its endpoint, with its key or SAS
// Returns what it saw ("HTTP 200 OK from https://...", "2 buckets: a, b"); an error says
// what failed (the status and the server's message, never a secret). Other types:
// kFailedPrecondition, saying that weir has no check for them yet.
Result<std::string> CheckConnection(const Connection& c);

}  // namespace weir
