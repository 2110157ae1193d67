#pragma once

#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace weir {

// A long poll (GET .../logs/N?wait=S) holds a request thread while it waits. LongPolls caps
// how many wait at once, in all and per user, so that waiting requests cannot take every
// thread (and /health with them): a request beyond the cap answers at once, as with wait=0,
// and its client simply asks again. Thread-safe.
class LongPolls {
 public:
  LongPolls(int max_total, int max_per_user) : max_total_(max_total), max_per_user_(max_per_user) {}

  // A place to wait, released when it goes out of scope; empty (held() false) when the caps
  // are reached.
  class Slot {
   public:
    Slot() = default;
    Slot(LongPolls* owner, std::string user) : owner_(owner), user_(std::move(user)) {}
    Slot(Slot&& other) noexcept
        : owner_(std::exchange(other.owner_, nullptr)), user_(std::move(other.user_)) {}
    Slot& operator=(Slot&&) = delete;
    ~Slot() {
      if (owner_ != nullptr) owner_->Release(user_);
    }
    bool held() const { return owner_ != nullptr; }

   private:
    LongPolls* owner_ = nullptr;
    std::string user_;
  };

  Slot Take(const std::string& user) {
    std::lock_guard lock(mu_);
    int& mine = per_user_[user];
    if (total_ >= max_total_ || mine >= max_per_user_) {
      if (mine == 0) per_user_.erase(user);
      return Slot();
    }
    ++total_;
    ++mine;
    return Slot(this, user);
  }

 private:
  void Release(const std::string& user) {
    std::lock_guard lock(mu_);
    --total_;
    if (--per_user_[user] == 0) per_user_.erase(user);
  }

  const int max_total_;
  const int max_per_user_;
  std::mutex mu_;
  int total_ = 0;                        // GUARDED_BY(mu_)
  std::map<std::string, int> per_user_;  // GUARDED_BY(mu_)
};

}  // namespace weir
