#pragma once

#include "store/sql/migrations.h"

namespace weir::postgres {

// PostgreSQL's DDL for every schema version (pg_schema.cc).
sql::Schema Schema();

}  // namespace weir::postgres
