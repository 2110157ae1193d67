#pragma once

#include <memory>
#include <string>
#include <thread>

#include "base/status.h"
#include "engine/event_queue.h"
#include "store/change_listener.h"

namespace weir {

// Watches the DAGs folder (and its subfolders) and the scheduler's wake file with inotify,
// and posts kDagsChanged / kWake to the queue; with a ChangeListener (a PostgreSQL store),
// a second thread posts kWake at every change another process commits. No polling: the
// threads block in poll().
class Watcher {
 public:
  Watcher(EventQueue& queue, std::string dags_folder, std::string wake_file,
          std::unique_ptr<ChangeListener> listener = nullptr);
  ~Watcher();
  Watcher(const Watcher&) = delete;
  Watcher& operator=(const Watcher&) = delete;

  Status Start();
  void Stop();  // joins the thread

 private:
  void Loop();
  void WatchTree(const std::string& dir);

  EventQueue& queue_;
  std::string dags_folder_;
  std::string wake_file_;
  int inotify_fd_ = -1;
  int stop_fd_ = -1;  // eventfd
  int wake_dir_wd_ = -1;
  std::unique_ptr<ChangeListener> listener_;
  std::thread thread_;
  std::thread listener_thread_;
};

// Tells a running scheduler that the metadata store changed: touches its wake file.
void WakeScheduler(const std::string& wake_file);

}  // namespace weir
