#pragma once

#include <memory>
#include <string>

#include "base/status.h"

namespace weir {

// Tells a scheduler that another process committed a change to the metadata store, on a
// database where no wake file can (PostgreSQL, written from other machines): the database
// notifies at every commit that advanced the change counter (store/README.md, change
// tracking), and the listener wakes.
class ChangeListener {
 public:
  virtual ~ChangeListener() = default;
  // Blocks until a change was committed (true) or `stop_fd` became readable (false). A lost
  // connection is opened again (a second later, until it works) and counts as a change, since
  // some may have been missed meanwhile.
  virtual bool Wait(int stop_fd) = 0;
};

// The listener of the database `url` names: one for PostgreSQL; nullptr for SQLite, whose
// writers on the same machine touch the scheduler's wake file instead.
Result<std::unique_ptr<ChangeListener>> OpenChangeListener(const std::string& url);

}  // namespace weir
