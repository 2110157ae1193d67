#include "store/open.h"

#include <string_view>

#include "store/postgres/pg_listener.h"
#include "store/postgres/postgres_store.h"
#include "store/sqlite/sqlite_store.h"

namespace weir {

Result<std::unique_ptr<MetadataStore>> OpenMetadataStore(const std::string& url) {
  std::string_view text = url;
  if (text.empty()) {
    return Err(ErrorCode::kInvalidArgument,
               "the metadata database URL is empty; use sqlite:///path/to/weir.db or a path");
  }
  if (IsSharedDatabase(url)) {
    auto store = TRY(PostgresStore::Open(url));
    return std::unique_ptr<MetadataStore>(std::move(store));
  }
  std::string path;
  if (text.starts_with("sqlite://")) {
    // sqlite:///abs/path keeps the third slash as the path's root.
    path = std::string(text.substr(std::string_view("sqlite://").size()));
  } else if (size_t scheme = text.find("://"); scheme != std::string_view::npos) {
    return Err(ErrorCode::kInvalidArgument,
               "'{}' is not a metadata database URL weir knows; use sqlite:///path/to/weir.db, "
               "a path, or postgresql://...",
               url);
  } else {
    path = url;
  }
  if (path.empty()) {
    return Err(ErrorCode::kInvalidArgument,
               "'{}' names no database file; use "
               "sqlite:///path/to/weir.db",
               url);
  }
  auto store = TRY(SqliteStore::Open(path));
  return std::unique_ptr<MetadataStore>(std::move(store));
}

bool IsSharedDatabase(const std::string& url) {
  return url.starts_with("postgresql://") || url.starts_with("postgres://");
}

Result<std::unique_ptr<ChangeListener>> OpenChangeListener(const std::string& url) {
  if (!IsSharedDatabase(url)) return nullptr;
  auto listener = TRY(postgres::Listener::Open(url));
  return std::unique_ptr<ChangeListener>(std::move(listener));
}

}  // namespace weir
