#include "exec/executor.h"

#include <fmt/format.h>

namespace weir {

std::string AttemptKey::ToString() const {
  return fmt::format("{}/{}/{}#{}", dag_id, run_id, task_id, try_number);
}

}  // namespace weir
