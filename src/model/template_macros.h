#pragma once

#include "template/value.h"

namespace weir::jinja {

// Airflow's `macros` object: ds_add(ds, days), ds_format(ds, in, out), datetime(y, m, d, ...),
// timedelta(days=, hours=, ...). Stateless, shared by all renders.
const Object& Macros();

}  // namespace weir::jinja
