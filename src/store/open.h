#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "store/change_listener.h"
#include "store/metadata_store.h"

namespace weir {

// Opens the metadata store named by `url`:
//   sqlite:///abs/path/weir.db, sqlite://relative/path.db or a bare path  -> SQLite
//   sqlite://:memory: or :memory:                                          -> SQLite in memory
//   postgresql://... or postgres://...                                     -> PostgreSQL
// Does not migrate: callers run Migrate() (the CLI does, for every command that opens the
// database: cli/context.h OpenContext).
// Errors are those of the store's Open; an unknown scheme is kInvalidArgument naming the
// accepted forms.
Result<std::unique_ptr<MetadataStore>> OpenMetadataStore(const std::string& url);

// Whether processes on several machines may share the database at `url` (PostgreSQL): then
// several schedulers may run on it (engine/dag_shares.h). SQLite takes one.
bool IsSharedDatabase(const std::string& url);

}  // namespace weir
