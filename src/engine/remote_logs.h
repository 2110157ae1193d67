#pragma once

// Logs that outlive workers (weir.yaml `remote_logs`, Airflow's remote logging): a copy of
// every try's log in a lake (file://, s3://, gs://, az://), under the key
// <dag_id>/<run_id>/<task_id>/attempt-<try>.log, the logs folder's own layout. The process
// that runs an attempt sends its log there (`LogShipper`: while it runs, and whole at its
// end); the readers of logs (the API, `weir tasks logs`) fall back to that copy when the
// local file is missing (`RemoteLogCopy`). The copy holds what the log file holds: it was
// masked as it was written, and nothing here unmasks or masks it again.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "base/status.h"
#include "exec/executor.h"
#include "lake/object_store.h"

namespace weir {

// The key of a try's log in remote_logs: its path below the logs folder. kInvalidArgument
// when an id would make it no valid object key (an empty, '.' or '..' segment).
Result<std::string> RemoteLogKey(const AttemptKey& key);

// Opens the remote_logs lake at `uri` as the default lake is opened (OpenObjectStore with the
// connection `access` names); errors say that remote_logs is the setting at fault.
Result<std::unique_ptr<ObjectStore>> OpenRemoteLogs(const std::string& uri,
                                                    const LakeAccess& access);

// Sends the logs of running attempts to remote_logs, on a thread of its own, so that no
// upload holds up the caller (a worker's claim renewals and reports).
//
// While an attempt runs (between Follow and Finish), its log is sent at once, then every
// `every` when it has grown, up to its last complete line (a snapshot: a store that hashes a file
// before it sends it never sees it grow). At Finish it is sent whole, then `then` runs: a caller
// that reports the end of the attempt from `then` lets no one see the try ended before its complete
// log is there. A failed upload is logged as a warning and changes nothing else.
//
// Thread-safe. Destruction (or Stop) sends the logs of every Finish already made, runs their
// `then`, and joins the thread.
class LogShipper {
 public:
  LogShipper(std::unique_ptr<ObjectStore> store, std::chrono::milliseconds every);
  ~LogShipper();
  LogShipper(const LogShipper&) = delete;
  LogShipper& operator=(const LogShipper&) = delete;

  // Starts sending the log at `path` of attempt `key` while it grows. An empty path (an
  // attempt that runs no process) is ignored.
  void Follow(const AttemptKey& key, const std::string& path);
  // The attempt ended and its log at `path` is complete: stops following it, sends it whole
  // (unless that much was sent already; nothing when there is no file), then calls `then` on
  // the shipper's thread. After Stop, `then` runs at once on the caller's thread.
  void Finish(const AttemptKey& key, const std::string& path, std::function<void()> then);
  // Sends what Finish asked for, runs those `then`, and joins the thread. Idempotent.
  void Stop();

  // Uploads that failed so far (each was logged as a warning), for tests and diagnostics.
  int failures() const;

 private:
  using Steady = std::chrono::steady_clock;
  struct Followed {
    AttemptKey key;
    std::string path;
    int64_t sent = 0;  // bytes of the log the remote copy holds (a prefix: logs only grow)
    Steady::time_point due{};
    bool warned = false;  // a send failed and said so: the next failures are not repeated
  };
  struct Final {
    Followed log;
    std::function<void()> then;
  };

  void Loop();
  // Sends the log of `log`: up to its last complete line, or whole when `complete`. Returns
  // how many bytes the remote copy holds afterwards.
  Result<int64_t> Send(const Followed& log, bool complete);
  void Warn(const Followed& log, const Error& error);

  const std::unique_ptr<ObjectStore> store_;
  const std::chrono::milliseconds every_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::map<std::string, Followed> followed_;  // GUARDED_BY(mu_), by AttemptKey::ToString()
  std::deque<Final> finals_;                  // GUARDED_BY(mu_), first come first sent
  bool stopping_ = false;                     // GUARDED_BY(mu_)
  bool stopped_ = false;                      // GUARDED_BY(mu_): the thread has ended
  int failures_ = 0;                          // GUARDED_BY(mu_)
  std::thread thread_;
};

// A try's log fetched from remote_logs into a temporary local file (the object passes
// through the file, never whole through memory), for readers of log files. The file is
// removed with this object. Not thread-safe.
class RemoteLogCopy {
 public:
  // The remote copy of the log of `key`, or nullopt when remote_logs holds none (yet).
  // Errors: the store's (unreachable, refused), with the key and the store's URI.
  static Result<std::optional<RemoteLogCopy>> Fetch(ObjectStore& store, const AttemptKey& key);

  RemoteLogCopy(RemoteLogCopy&& other) noexcept;
  RemoteLogCopy& operator=(RemoteLogCopy&& other) noexcept;
  RemoteLogCopy(const RemoteLogCopy&) = delete;
  RemoteLogCopy& operator=(const RemoteLogCopy&) = delete;
  ~RemoteLogCopy();

  // Fetches the object again when it changed since (a running try's log grows); true when
  // it did. The file then holds the new copy.
  Result<bool> Refresh(ObjectStore& store);
  // The local file that holds the copy.
  const std::string& path() const { return path_; }

 private:
  RemoteLogCopy(std::string key, std::string path) : key_(std::move(key)), path_(std::move(path)) {}
  // Fetches the object into path_; false when it is gone.
  Result<bool> Download(ObjectStore& store, const ObjectInfo& now);

  std::string key_;
  std::string path_;
  std::string etag_;  // of the copy held
  int64_t size_ = -1;
};

}  // namespace weir
