#include "transfer/run.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <mutex>
#include <set>
#include <thread>

#include "base/hash.h"
#include "env/process_table.h"
#include "lake/cloud_common.h"
#include "lake/stream_copy.h"
#include "transfer/lists.h"
#include "transfer/url_list_store.h"

namespace weir {

namespace fs = std::filesystem;

namespace {

constexpr size_t kFailureSamples = 20;

// An open side of a transfer: its store and the URI it was opened at.
struct Side {
  std::unique_ptr<ObjectStore> store;
  std::string uri;
  bool local = false;  // a file:// folder: checksums are computed from the file
};

Result<Side> OpenSide(const std::string& uri, const std::string& conn_id, const TransferEnv& env,
                      bool must_exist) {
  std::string at = TRY_CONTEXT(InDefaultLake(uri, env.lake_uri), "transfer");
  std::string conn = conn_id;
  if (uri.starts_with("lake://") && conn.empty()) conn = env.lake_conn_id;
  while (at.ends_with('/') && !at.ends_with("://")) at.pop_back();
  Side side;
  side.uri = uri;
  side.local = at.starts_with("file://");
  if (side.local && must_exist) {
    std::error_code ec;
    if (!fs::is_directory(at.substr(7), ec)) {
      return Err(ErrorCode::kNotFound, "transfer: source {} is not a folder ({} does not exist)",
                 uri, at.substr(7));
    }
  }
  side.store = TRY(OpenObjectStore(at, {conn, env.find_connection}));
  return side;
}

// Where a list file named by the spec is read from: a store URI through the source's
// connection when it is in the source's kind of store, else the scheme's default.
ListLocation ListAt(const std::string& location, const TransferSpec& spec, const TransferEnv& env) {
  ListLocation at{.location = location,
                  .access = {"", env.find_connection},
                  .lake_uri = env.lake_uri,
                  .work_dir = env.work_dir};
  std::string scheme = location.substr(0, location.find("://") + 3);
  if (location.starts_with("lake://")) at.access.conn_id = env.lake_conn_id;
  std::string from = spec.source.empty() ? spec.url_list : spec.source;
  if (!spec.source_conn_id.empty() && from.starts_with(scheme)) {
    at.access.conn_id = spec.source_conn_id;
  }
  return at;
}

// A url_list source: the list read and checked, its objects a read-only store.
Result<Side> OpenUrlList(const TransferSpec& spec, const TransferEnv& env) {
  std::string text =
      TRY_CONTEXT(ReadListFile(ListAt(spec.url_list, spec, env)), "transfer: reading the url_list");
  std::vector<UrlListEntry> entries = TRY(ParseUrlList(text, spec.url_list));
  Side side;
  side.uri = spec.url_list;
  side.store = std::make_unique<UrlListStore>(spec.url_list, entries);
  return side;
}

// The object's sha256 and md5 as far as the side can tell without reading it elsewhere: a
// HEAD, or hashing a local file. `md5_will_do`: the other side is a local file, whose MD5 is
// computed, so a listed MD5 is enough and no HEAD is sent.
Result<ObjectInfo> Checksummed(const Side& side, const ObjectInfo& listed, bool md5_will_do) {
  if (!side.local && md5_will_do && !listed.md5.empty()) return listed;
  if (side.local) {
    std::string root = side.store->uri().substr(7);
    FileDigests d = TRY(DigestFile(root + "/" + listed.key, {.md5 = true}));
    ObjectInfo out = listed;
    out.sha256 = d.sha256;
    out.md5 = HexOf(d.md5);
    return out;
  }
  auto head = TRY(side.store->Head(listed.key));
  return head ? *head : listed;
}

// Removes the files that copies of a process no longer alive (killed mid-transfer) left in
// the work folder: .transfer-<pid>-<n>, and what a store's Get left beside one.
void RemoveFilesOfDeadCopies(const std::string& work_dir) {
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(work_dir, ec)) {
    std::string name = e.path().filename().string();
    if (!name.starts_with(".transfer-")) continue;
    long pid = std::strtol(name.c_str() + 10, nullptr, 10);
    if (pid <= 0 || pid > std::numeric_limits<int>::max() || pid == getpid()) continue;
    // Gone, or a zombie its (killed) parent left for init to reap.
    std::optional<ProcessEntry> p = ReadProcessEntry(static_cast<int>(pid));
    if (p && !p->zombie) continue;
    std::error_code rm;
    fs::remove(e.path(), rm);
  }
}

// Spreads copies over time so that their bytes average at most `limit` per second.
class Pacer {
 public:
  explicit Pacer(int64_t limit) : limit_(limit) {}
  void Take(int64_t bytes) {
    if (limit_ <= 0) return;
    std::chrono::steady_clock::time_point at;
    {
      std::lock_guard lock(mu_);
      auto now = std::chrono::steady_clock::now();
      next_ = std::max(next_, now);
      at = next_;
      next_ += std::chrono::duration_cast<std::chrono::steady_clock::duration>(
          std::chrono::duration<double>(static_cast<double>(bytes) / static_cast<double>(limit_)));
    }
    std::this_thread::sleep_until(at);
  }

 private:
  int64_t limit_;
  std::mutex mu_;
  std::chrono::steady_clock::time_point next_{};
};

// The report: one JSON line per object, written as the decisions are made.
class Report {
 public:
  explicit Report(const std::string& path) {
    if (path.empty()) return;
    std::error_code ec;
    fs::create_directories(fs::path(path).parent_path(), ec);
    out_.open(path, std::ios::trunc);
  }
  bool ok() const { return !out_.is_open() || out_.good(); }
  void Line(const TransferItem& item, std::string_view action, const std::string& reason,
            const std::string& error = "", const ObjectInfo* written = nullptr,
            std::string_view how = "") {
    if (!out_.is_open()) return;
    Json j = {{"key", item.key}, {"action", action}, {"reason", reason}};
    if (!how.empty()) j["how"] = how;
    const ObjectInfo* about = item.source ? &*item.source : item.sink ? &*item.sink : nullptr;
    if (about != nullptr) j["bytes"] = about->size;
    if (item.source) {
      if (!item.source->md5.empty()) j["source_md5"] = item.source->md5;
      if (!item.source->sha256.empty()) j["source_sha256"] = item.source->sha256;
    }
    if (written != nullptr && !written->sha256.empty()) j["sink_sha256"] = written->sha256;
    if (!error.empty()) j["error"] = error;
    std::lock_guard lock(mu_);
    out_ << j.dump(-1, ' ', false, Json::error_handler_t::replace) << '\n';
  }

 private:
  std::ofstream out_;
  std::mutex mu_;
};

}  // namespace

Json TransferOutcome::Summary(const TransferSpec& spec) const {
  Json j = {{"source", spec.source.empty() ? spec.url_list : spec.source},
            {"sink", spec.sink},
            {"dry_run", spec.dry_run},
            {"counters", TransferCountersJson(counters)},
            {"failures", failures},
            {"copied_server_side", server_side}};
  if (!failed.empty()) j["failed"] = failed;
  if (!deletes_held.empty()) j["deletes_held"] = deletes_held;
  return j;
}

Result<TransferOutcome> RunTransfer(const TransferSpec& spec, const TransferEnv& env) {
  Side source = TRY(spec.url_list.empty() ? OpenSide(spec.source, spec.source_conn_id, env, true)
                                          : OpenUrlList(spec, env));
  Side sink = TRY(OpenSide(spec.sink, spec.sink_conn_id, env, false));
  std::optional<std::set<std::string>> manifest;
  if (!spec.manifest.empty()) {
    std::string text = TRY_CONTEXT(ReadListFile(ListAt(spec.manifest, spec, env)),
                                   "transfer: reading the manifest");
    manifest = TRY(ParseManifest(text, spec.manifest));
  }
  std::vector<ObjectInfo> source_objects =
      TRY_CONTEXT(source.store->List(""), "transfer: listing the source " + source.uri);
  std::vector<ObjectInfo> sink_objects =
      TRY_CONTEXT(sink.store->List(""), "transfer: listing the sink " + spec.sink);
  TransferPlan plan = TRY(PlanTransfer(spec, source_objects, sink_objects, env.start, manifest));
  fmt::print(
      "[weir] transfer {} -> {}: {} objects in the source, {} in the sink; {} to copy or "
      "check, {} the same, {} only in the sink{}\n",
      source.uri, spec.sink, source_objects.size(), sink_objects.size(),
      plan.counters.objects_found_from_source, plan.counters.objects_from_source_skipped_by_sync,
      plan.counters.objects_found_only_from_sink, spec.dry_run ? " (dry run)" : "");
  std::fflush(stdout);

  TransferOutcome out;
  out.counters = plan.counters;
  Report report(env.report_path);
  std::mutex mu;  // out, and the failure list
  auto fail = [&](const TransferItem& item, const std::string& error, bool sink_delete) {
    std::lock_guard lock(mu);
    ++out.failures;
    int64_t bytes = item.source ? item.source->size : item.sink ? item.sink->size : 0;
    if (sink_delete) {
      ++out.counters.objects_failed_to_delete_from_sink;
      out.counters.bytes_failed_to_delete_from_sink += bytes;
    } else {
      ++out.counters.objects_from_source_failed;
      out.counters.bytes_from_source_failed += bytes;
    }
    if (out.failed.size() < kFailureSamples) out.failed.push_back(item.key + ": " + error);
  };

  if (spec.dry_run) {
    for (const TransferItem& item : plan.items) {
      report.Line(item, fmt::format("would {}", TransferActionName(item.action)), item.reason);
    }
    return out;
  }

  std::vector<TransferItem> work;
  std::vector<TransferItem> sink_deletes;
  for (TransferItem& item : plan.items) {
    switch (item.action) {
      case TransferAction::kDeleteFromSink:
        sink_deletes.push_back(std::move(item));
        break;
      case TransferAction::kMissing:
        report.Line(item, "failed", item.reason);
        fail(item, item.reason, false);
        break;
      default:
        work.push_back(std::move(item));
        break;
    }
  }

  Pacer pacer(spec.bandwidth_limit);
  std::atomic<int> serial{0};
  std::error_code ec;
  fs::create_directories(env.work_dir, ec);
  RemoveFilesOfDeadCopies(env.work_dir);
  auto one = [&](TransferItem& item) {
    if (item.action == TransferAction::kCheck) {
      auto a = Checksummed(source, *item.source, sink.local);
      auto b = a ? Checksummed(sink, *item.sink, source.local) : Result<ObjectInfo>(*item.sink);
      if (!a || !b) {
        std::string error = (!a ? a.error() : b.error()).message;
        report.Line(item, "failed", "reading checksums", error);
        fail(item, error, false);
        return;
      }
      item.source = *a;
      std::string why;
      std::optional<bool> same = SameContent(*a, *b, &why);
      item.reason = same ? why : "same size, no checksum to compare";
      item.action = same.value_or(false) ? TransferAction::kSkip : TransferAction::kCopy;
      std::lock_guard lock(mu);
      if (item.action == TransferAction::kSkip) {  // found becomes skipped
        --out.counters.objects_found_from_source;
        out.counters.bytes_found_from_source -= item.source->size;
        ++out.counters.objects_from_source_skipped_by_sync;
        out.counters.bytes_from_source_skipped_by_sync += item.source->size;
      }
    }
    if (item.action == TransferAction::kCopy) {
      bool server_side = false;
      auto copied = [&]() -> Result<ObjectInfo> {
        // Inside the service when it can; else streamed, or through the work folder.
        auto inside = TRY(sink.store->CopyFrom(*source.store, *item.source, item.key));
        if (inside) {
          server_side = true;
          return *inside;
        }
        pacer.Take(item.source->size);
        // Between services through memory when both can; else through a file.
        auto piped = TRY(StreamCopy(*source.store, *item.source, *sink.store, item.key));
        if (piped) return *piped;
        std::string tmp =
            (fs::path(env.work_dir) / fmt::format(".transfer-{}-{}", getpid(), serial.fetch_add(1)))
                .string();
        auto streamed = [&]() -> Result<ObjectInfo> {
          TRY(source.store->Get(item.key, tmp));
          PutOptions options;
          options.expected_sha256 = item.source->sha256;
          return sink.store->Put(item.key, tmp, options);
        }();
        std::error_code rm;
        fs::remove(tmp, rm);
        return streamed;
      }();
      if (!copied) {
        report.Line(item, "failed", item.reason, copied.error().message);
        fail(item, copied.error().message, false);
        return;
      }
      // A streamed copy reads the source as it is then: when that is no longer the object
      // listed (a local file, or another size), the record and the report take it as it is
      // now. A move still compares with what was listed.
      TransferItem as_copied = item;
      if (!server_side && (source.local || copied->size != item.source->size)) {
        auto now = source.store->Head(item.key);
        if (now && *now) as_copied.source = **now;
      }
      if (env.on_written) {
        auto recorded = env.on_written(as_copied, *copied, sink.store->uri());
        if (!recorded) {
          report.Line(item, "failed", item.reason, recorded.error().message, &*copied);
          fail(item, recorded.error().message, false);
          return;
        }
      }
      report.Line(as_copied, "copied", item.reason, "", &*copied, server_side ? "server-side" : "");
      std::lock_guard lock(mu);
      ++out.counters.objects_copied_to_sink;
      out.counters.bytes_copied_to_sink += copied->size;
      if (server_side) ++out.server_side;
    } else {
      report.Line(item, "skipped", item.reason);
    }
    if (!item.delete_source) return;
    // A move deletes the source only if it is still the object that was copied.
    auto now = source.store->Head(item.key);
    if (now && *now && (*now)->etag != item.source->etag) {
      report.Line(item, "kept", "changed in the source during the transfer");
      return;
    }
    auto deleted = source.store->Delete(item.key);
    if (!deleted) {
      report.Line(item, "failed", "deleting from the source", deleted.error().message);
      fail(item, "deleting from the source: " + deleted.error().message, false);
      return;
    }
    report.Line(item, "deleted from source", item.reason);
    std::lock_guard lock(mu);
    ++out.counters.objects_deleted_from_source;
    out.counters.bytes_deleted_from_source += item.source->size;
  };
  TRY(ForEachInParallel(static_cast<int>(work.size()), spec.parallelism, [&](int i) -> Status {
    one(work[i]);
    return {};
  }));

  // A mirror deletes only once every copy succeeded: a source that failed to read must not
  // empty the sink.
  if (!sink_deletes.empty() && out.failures > 0) {
    out.deletes_held = fmt::format(
        "{} objects only in the sink were not deleted: {} objects "
        "failed",
        sink_deletes.size(), out.failures);
    for (const TransferItem& item : sink_deletes) report.Line(item, "kept", out.deletes_held);
    sink_deletes.clear();
  }
  TRY(ForEachInParallel(
      static_cast<int>(sink_deletes.size()), spec.parallelism, [&](int i) -> Status {
        const TransferItem& item = sink_deletes[i];
        auto deleted = sink.store->Delete(item.key);
        if (!deleted) {
          report.Line(item, "failed", "deleting from the sink", deleted.error().message);
          fail(item, deleted.error().message, true);
          return {};
        }
        report.Line(item, "deleted", item.reason);
        std::lock_guard lock(mu);
        ++out.counters.objects_deleted_from_sink;
        out.counters.bytes_deleted_from_sink += item.sink->size;
        return {};
      }));
  if (!report.ok()) {
    return Err(ErrorCode::kIo, "transfer: cannot write the report {}", env.report_path);
  }
  return out;
}

}  // namespace weir
