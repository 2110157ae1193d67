#pragma once

#include <memory>
#include <string>

#include "store/change_listener.h"

struct pg_conn;

namespace weir::postgres {

// A connection that LISTENs on the channel weir_changes, which the schema's trigger on
// change_counter notifies at every commit that advanced it (pg_schema.cc).
class Listener final : public ChangeListener {
 public:
  static Result<std::unique_ptr<Listener>> Open(const std::string& url);
  ~Listener() override;
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  bool Wait(int stop_fd) override;

 private:
  explicit Listener(std::string url);
  Status Connect();

  std::string url_;
  pg_conn* conn_ = nullptr;
};

}  // namespace weir::postgres
