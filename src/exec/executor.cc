#include "exec/executor.h"

#include <fmt/format.h>

#include <filesystem>

namespace weir {

std::string AttemptLogPath(const std::string& logs_folder, const AttemptKey& key) {
  return (std::filesystem::path(logs_folder) / key.dag_id / key.run_id / key.task_id /
          ("attempt-" + std::to_string(key.try_number) + ".log"))
      .string();
}

std::string AttemptKey::ToString() const {
  return fmt::format("{}/{}/{}#{}", dag_id, run_id, task_id, try_number);
}

}  // namespace weir
