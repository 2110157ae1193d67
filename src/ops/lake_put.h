#pragma once

#include "ops/native.h"

namespace weir {

// `lake_put`: publishes a local file in the lake, atomically and with an end-to-end sha256
// check (a failed or killed upload leaves nothing at the target). `target` is
// lake://<key> (the default lake, $WEIR_HOME/lake unless weir.yaml says otherwise) or
// file:///absolute/path. XCom: {uri, path, size, sha256, etag}.
class LakePutOperator final : public NativeOperator {
 public:
  LakePutOperator();
  const OperatorSchema& schema() const override { return schema_; }
  Result<Json> Run(const Json& args, const NativeContext& ctx) const override;

 private:
  OperatorSchema schema_;
};

}  // namespace weir
