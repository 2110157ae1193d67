#pragma once

#include <string_view>
#include <vector>

namespace weir {

// The example DAGs (examples/dags/), built into the binary so `weir standalone` can copy
// them into a fresh home without the source tree.
struct EmbeddedFile {
  std::string_view name;  // relative path, e.g. "simple_dag.yaml"
  std::string_view content;
};

const std::vector<EmbeddedFile>& ExampleDagFiles();

}  // namespace weir
