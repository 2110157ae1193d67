#include "exec/redis/redis_client.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <charconv>

#include "base/url.h"

namespace weir::redis {

namespace {

timeval ToTimeval(Duration d) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
  return timeval{.tv_sec = static_cast<time_t>(us / 1000000),
                 .tv_usec = static_cast<suseconds_t>(us % 1000000)};
}

Reply Convert(const redisReply* r) {
  Reply out;
  switch (r->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
      out.type = Reply::Type::kString;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = Reply::Type::kInteger;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = Reply::Type::kArray;
      out.elements.reserve(r->elements);
      for (size_t i = 0; i < r->elements; ++i) out.elements.push_back(Convert(r->element[i]));
      break;
    default:
      break;  // nil
  }
  return out;
}

bool ParseInt(std::string_view text, int& out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

}  // namespace

std::string Reply::text() const {
  if (type == Type::kString) return str;
  if (type == Type::kInteger) return std::to_string(integer);
  return {};
}

Result<Address> ParseRedisUrl(const std::string& url) {
  std::string_view rest = url;
  if (!rest.starts_with("redis://")) {
    return Err(ErrorCode::kInvalidArgument,
               "'{}' is not a Redis URL; write redis://host:6379 (or "
               "redis://:password@host:6379/0)",
               UrlWithoutPassword(url));
  }
  Address a;
  a.name = UrlWithoutPassword(url);
  rest.remove_prefix(std::string_view("redis://").size());
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    std::string_view db = rest.substr(slash + 1);
    if (!db.empty() && !ParseInt(db, a.db)) {
      return Err(ErrorCode::kInvalidArgument, "'{}': the database after '/' must be a number",
                 a.name);
    }
  }
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    authority.remove_prefix(at + 1);
    size_t colon = userinfo.find(':');
    a.user = PercentDecode(userinfo.substr(0, colon));
    if (colon != std::string_view::npos) a.password = PercentDecode(userinfo.substr(colon + 1));
  }
  if (size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    if (!ParseInt(authority.substr(colon + 1), a.port) || a.port <= 0 || a.port > 65535) {
      return Err(ErrorCode::kInvalidArgument, "'{}': the port must be a number from 1 to 65535",
                 a.name);
    }
    authority = authority.substr(0, colon);
  }
  if (!authority.empty()) a.host = std::string(authority);
  return a;
}

Client::Client(Address address, Duration timeout)
    : address_(std::move(address)), timeout_(timeout) {}

Client::~Client() { Close(); }

void Client::Close() {
  if (context_ != nullptr) redisFree(context_);
  context_ = nullptr;
}

Result<std::unique_ptr<Client>> Client::Connect(const std::string& url, Duration timeout) {
  auto client = std::unique_ptr<Client>(new Client(TRY(ParseRedisUrl(url)), timeout));
  TRY(client->Open());
  return client;
}

Status Client::Open() {
  Close();
  timeval tv = ToTimeval(timeout_);
  context_ = redisConnectWithTimeout(address_.host.c_str(), address_.port, tv);
  if (context_ == nullptr || context_->err != 0) {
    std::string reason = context_ != nullptr ? context_->errstr : "out of memory";
    Close();
    return Err(ErrorCode::kUnavailable,
               "cannot connect to Redis at '{}': {}; check that redis-server runs there and "
               "that redis_url is right",
               address_.name, reason);
  }
  redisSetTimeout(context_, tv);
  auto setup = [&](const std::vector<std::string>& argv) -> Status {
    std::vector<const char*> args;
    std::vector<size_t> lengths;
    for (const auto& a : argv) {
      args.push_back(a.data());
      lengths.push_back(a.size());
    }
    auto* reply = static_cast<redisReply*>(
        redisCommandArgv(context_, static_cast<int>(args.size()), args.data(), lengths.data()));
    if (reply == nullptr || reply->type == REDIS_REPLY_ERROR) {
      std::string reason =
          reply != nullptr ? std::string(reply->str, reply->len) : std::string(context_->errstr);
      if (reply != nullptr) freeReplyObject(reply);
      Close();
      return Err(ErrorCode::kUnavailable, "Redis at '{}' refused '{}': {}", address_.name, argv[0],
                 reason);
    }
    freeReplyObject(reply);
    return {};
  };
  if (!address_.password.empty()) {
    if (address_.user.empty()) {
      TRY(setup({"AUTH", address_.password}));
    } else {
      TRY(setup({"AUTH", address_.user, address_.password}));
    }
  }
  if (address_.db != 0) TRY(setup({"SELECT", std::to_string(address_.db)}));
  return {};
}

Result<Reply> Client::Command(const std::vector<std::string>& argv, Duration extra) {
  if (context_ == nullptr) TRY(Open());
  if (extra > Duration::zero()) {
    timeval tv = ToTimeval(timeout_ + extra);
    redisSetTimeout(context_, tv);
  }
  std::vector<const char*> args;
  std::vector<size_t> lengths;
  args.reserve(argv.size());
  lengths.reserve(argv.size());
  for (const auto& a : argv) {
    args.push_back(a.data());
    lengths.push_back(a.size());
  }
  auto* reply = static_cast<redisReply*>(
      redisCommandArgv(context_, static_cast<int>(args.size()), args.data(), lengths.data()));
  if (reply == nullptr) {
    std::string reason = context_->errstr;
    Close();  // hiredis's context is unusable after an I/O error: reconnect next time
    return Err(ErrorCode::kUnavailable, "Redis at '{}': '{}' failed: {}", address_.name,
               argv.empty() ? "" : argv[0], reason);
  }
  if (extra > Duration::zero()) {
    timeval tv = ToTimeval(timeout_);
    redisSetTimeout(context_, tv);
  }
  if (reply->type == REDIS_REPLY_ERROR) {
    std::string text(reply->str, reply->len);
    freeReplyObject(reply);
    return Err(ErrorCode::kFailedPrecondition, "Redis at '{}': {}: {}", address_.name,
               argv.empty() ? "" : argv[0], text);
  }
  Reply out = Convert(reply);
  freeReplyObject(reply);
  return out;
}

}  // namespace weir::redis
