#pragma once

#include "store/sql/migrations.h"

namespace weir::sqlite {

// SQLite's DDL for every schema version (sqlite_schema.cc).
sql::Schema Schema();

}  // namespace weir::sqlite
