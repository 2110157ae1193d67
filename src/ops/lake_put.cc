#include "ops/lake_put.h"

#include <chrono>
#include <filesystem>

#include "lake/object_store.h"
#include "ops/args.h"

namespace weir {

namespace fs = std::filesystem;

LakePutOperator::LakePutOperator() {
  schema_.name = "lake_put";
  schema_.description =
      "Publishes a local file in the lake, atomically, with an end-to-end sha256 check.";
  schema_.args = {
      {"input", ArgType::kString, true, Json(),
       "The local file to publish; relative paths are relative to the task's work folder."},
      {"target", ArgType::kString, true, Json(),
       "Where: lake://<key> in the default lake, or file:///absolute/path."},
      {"expected_sha256", ArgType::kString, false, Json(),
       "Fail, publishing nothing, unless the input has this sha256 (hex)."},
  };
}

Result<Json> LakePutOperator::Run(const Json& args, const NativeContext& ctx) const {
  std::string input = TRY(StringArg(args, "lake_put", "input"));
  std::string target = TRY(StringArg(args, "lake_put", "target"));
  PutOptions options;
  options.expected_sha256 = TRY(StringArg(args, "lake_put", "expected_sha256"));
  if (!input.empty() && input.front() != '/' && !ctx.work_dir.empty()) {
    input = (fs::path(ctx.work_dir) / input).string();
  }
  std::string store_uri, key, shown;
  constexpr std::string_view kLake = "lake://", kFile = "file://";
  if (target.rfind(kLake, 0) == 0) {
    if (ctx.lake_uri.empty()) {
      return Err(ErrorCode::kFailedPrecondition, "lake_put: no default lake is configured");
    }
    store_uri = ctx.lake_uri;
    key = target.substr(kLake.size());
    shown = target;
  } else if (target.rfind(kFile, 0) == 0) {
    fs::path path(target.substr(kFile.size()));
    if (!path.is_absolute() || !path.has_filename()) {
      return Err(ErrorCode::kInvalidArgument,
                 "lake_put: target '{}' must be file:///absolute/path/to/file", target);
    }
    store_uri = std::string(kFile) + path.parent_path().string();
    key = path.filename().string();
    shown = target;
  } else {
    return Err(ErrorCode::kInvalidArgument,
               "lake_put: target '{}' must start with lake:// or file:// (s3://, gs:// and "
               "az:// come later)",
               target);
  }
  auto store = TRY(OpenObjectStore(store_uri));
  fmt::print("[weir] publishing {} to {}\n", input, shown);
  std::fflush(stdout);
  auto started = std::chrono::steady_clock::now();
  ObjectInfo info = TRY_CONTEXT(store->Put(key, input, options), "lake_put");
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  fmt::print("[weir] published {} bytes in {:.2f}s, sha256 {}\n", info.size, secs, info.sha256);
  std::string path = store->uri().substr(kFile.size()) + "/" + info.key;
  return Json{{"uri", shown},
              {"path", path},
              {"size", info.size},
              {"sha256", info.sha256},
              {"etag", info.etag}};
}

}  // namespace weir
