#include "cli/context.h"

#include <pwd.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "base/log.h"
#include "base/strings.h"
#include "base/url.h"
#include "cli/examples.h"
#include "engine/run_lookup.h"
#include "engine/watcher.h"
#include "env/files.h"
#include "exec/redis/redis_executor.h"
#include "ops/registry.h"
#include "store/open.h"

namespace weir {

namespace fs = std::filesystem;

Result<const LoadedDag*> CliContext::FindDag(const std::string& dag_id) const {
  if (const LoadedDag* d = registry->Find(dag_id)) return d;
  for (const auto& [file, message] : registry->import_errors()) {
    if (fs::path(file).stem().string() == dag_id) {
      return Err(ErrorCode::kFailedPrecondition, "DAG '{}' does not load: {}", dag_id, message);
    }
  }
  std::vector<std::string> ids;
  for (const auto& [id, d] : registry->dags()) ids.push_back(id);
  return Err(ErrorCode::kNotFound, "no DAG '{}' in {}{}; `weir dags list` shows the DAGs", dag_id,
             config.dags_folder, DidYouMean(dag_id, ids));
}

Result<const LoadedDag*> CliContext::FindDagToTest(const std::string& dag_id) const {
  const LoadedDag* dag = TRY(FindDag(dag_id));
  if (!dag->import_error.empty()) {
    return Err(ErrorCode::kFailedPrecondition,
               "DAG '{}' does not load: {}\n(a test runs the file as it is now; the scheduler "
               "keeps running its last good version, version {}, until the file is fixed)",
               dag_id, dag->import_error, dag->version_number);
  }
  return dag;
}

Result<DagRun> CliContext::FindRun(const std::string& dag_id, const std::string& run) const {
  auto row = store->GetDag(dag_id);
  if (!row && row.error().code == ErrorCode::kNotFound) {
    std::vector<std::string> ids;
    for (const auto& d : TRY(store->ListDags())) ids.push_back(d.dag_id);
    return Err(ErrorCode::kNotFound, "no DAG '{}'{}; `weir dags list` shows the DAGs", dag_id,
               DidYouMean(dag_id, ids));
  }
  if (!row) return std::unexpected(row.error());
  const date::time_zone* zone = nullptr;
  if (auto z = FindZone(row->timezone.empty() ? "UTC" : row->timezone)) zone = *z;
  return LookUpRun(*store, dag_id, run, zone);
}

Result<TaskInstance> CliContext::FindTaskInstance(const DagRun& run,
                                                  const std::string& task_id) const {
  return LookUpTaskInstance(*store, run, task_id);
}

void CliContext::WakeScheduler() const { weir::WakeScheduler(config.wake_file()); }

std::string OsUserName() {
  uid_t uid = geteuid();
  if (const passwd* pw = getpwuid(uid); pw != nullptr && pw->pw_name != nullptr) {
    return pw->pw_name;
  }
  return fmt::format("uid {}", uid);
}

Result<bool> InitHome(const Config& config, bool with_examples) {
  std::error_code ec;
  bool fresh = !fs::exists(config.config_file, ec);
  for (const auto& dir : {config.home, config.dags_folder, config.logs_folder}) {
    TRY(MakeDirs(dir));  // owner-only: the home holds secrets
  }
  // Only standalone makes a home "set up": other commands create the folders they need, so
  // running `weir dags list` first does not keep standalone from adding the examples.
  if (!fresh || !with_examples) return false;
  TRY(WriteFileAtomic(config.config_file, DefaultConfigText()));
  {
    for (const auto& ex : ExampleDagFiles()) {
      fs::path target = fs::path(config.dags_folder) / ex.name;
      if (fs::exists(target, ec)) continue;
      TRY(MakeDirs(target.parent_path().string()));
      TRY(WriteFileAtomic(target.string(), std::string(ex.content)));
    }
  }
  return true;
}

void WarnIfOpenToOthers(const Config& config) {
  std::string database = config.database;
  if (database.starts_with("sqlite://")) database.erase(0, std::string_view("sqlite://").size());
  for (const auto& [path, what] :
       {std::pair{config.home, "the home"}, std::pair{database, "the metadata database"}}) {
    std::string warning = OpenToOthersWarning(path, what);
    if (!warning.empty()) Log::Warn("{}", warning);
  }
}

std::unique_ptr<AttemptKiller> KillerOf(const Config& config) {
  if (config.executor == "redis") return std::make_unique<RedisAttemptKiller>(config.redis_url);
  return std::make_unique<LocalAttemptKiller>();
}

Result<std::unique_ptr<CliContext>> OpenContext(bool load_dags, OutputFormat format) {
  auto ctx = std::make_unique<CliContext>();
  ctx->format = format;
  ctx->config = TRY(LoadConfig());
  ctx->killer_of_executor = KillerOf(ctx->config);
  TRY(InitHome(ctx->config, false));
  ctx->store = TRY(OpenMetadataStore(ctx->config.database));
  TRY_CONTEXT(ctx->store->Migrate(),
              "migrating the metadata database " + UrlWithoutPassword(ctx->config.database));
  ctx->masker = TRY(LoadSecretMasker(*ctx->store, ctx->config.secret_key_file));
  ctx->registry = std::make_unique<DagRegistry>(*ctx->store, ctx->clock, ctx->config.dags_folder,
                                                OperatorSchemas());
  if (load_dags) TRY(ctx->registry->Reload());
  return ctx;
}

}  // namespace weir
