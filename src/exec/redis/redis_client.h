#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/time.h"

struct redisContext;

namespace weir::redis {

// A reply, decoded from hiredis's: a bulk or status string, an integer, an array, or nil.
// An error reply is not a Reply: Command() returns it as an error.
struct Reply {
  enum class Type { kNil, kString, kInteger, kArray };
  Type type = Type::kNil;
  std::string str;  // kString (bulk or status)
  int64_t integer = 0;
  std::vector<Reply> elements;  // kArray

  bool nil() const { return type == Type::kNil; }
  // The string, or an integer written in decimal; "" for nil and arrays.
  std::string text() const;
};

// Where a Redis server is: redis://[[user]:password@]host[:port][/db]. The password is
// never shown (name()).
struct Address {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string user;
  std::string password;
  int db = 0;
  std::string name;  // the URL without its password, for messages
};
Result<Address> ParseRedisUrl(const std::string& url);

// One connection to Redis (hiredis, blocking), used by one thread at a time. A connection
// that broke (the server restarted, the network cut) fails the call under way with
// kUnavailable and is opened again on the next call.
class Client {
 public:
  // Connects now: kUnavailable when the server cannot be reached or refuses the password,
  // kInvalidArgument for a URL that is not redis://.
  static Result<std::unique_ptr<Client>> Connect(const std::string& url,
                                                 Duration timeout = std::chrono::seconds(5));
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  ~Client();

  // Sends one command and waits for its reply, at most the client's timeout plus `extra`
  // (the BLOCK time of XREADGROUP). An error reply (WRONGTYPE, NOGROUP, BUSYGROUP) is
  // kFailedPrecondition with Redis's text; a broken connection or a timeout is kUnavailable.
  Result<Reply> Command(const std::vector<std::string>& argv, Duration extra = Duration::zero());

  const std::string& name() const { return address_.name; }

 private:
  Client(Address address, Duration timeout);
  Status Open();
  void Close();

  Address address_;
  Duration timeout_;
  redisContext* context_ = nullptr;
};

}  // namespace weir::redis
