#include "store/postgres/pg_listener.h"

#include <libpq-fe.h>
#include <poll.h>

#include "base/log.h"
#include "base/url.h"

namespace weir::postgres {

namespace {

constexpr char kChannel[] = "weir_changes";

}  // namespace

Listener::Listener(std::string url) : url_(std::move(url)) {}

Listener::~Listener() { PQfinish(conn_); }

Result<std::unique_ptr<Listener>> Listener::Open(const std::string& url) {
  auto listener = std::unique_ptr<Listener>(new Listener(url));
  TRY(listener->Connect());
  return listener;
}

Status Listener::Connect() {
  PQfinish(conn_);
  conn_ = PQconnectdb(url_.c_str());
  if (PQstatus(conn_) != CONNECTION_OK) {
    return Err(ErrorCode::kUnavailable, "listening for changes on '{}': {}",
               UrlWithoutPassword(url_), PQerrorMessage(conn_));
  }
  PGresult* r = PQexec(conn_, (std::string("LISTEN ") + kChannel).c_str());
  bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  PQclear(r);
  if (!ok) {
    return Err(ErrorCode::kUnavailable, "LISTEN on '{}': {}", UrlWithoutPassword(url_),
               PQerrorMessage(conn_));
  }
  return {};
}

bool Listener::Wait(int stop_fd) {
  for (;;) {
    if (PQstatus(conn_) != CONNECTION_OK) {
      pollfd stop{stop_fd, POLLIN, 0};
      if (poll(&stop, 1, 1000) > 0) return false;
      if (Connect().has_value()) return true;  // changes may have been missed meanwhile
      continue;
    }
    pollfd fds[2] = {{PQsocket(conn_), POLLIN, 0}, {stop_fd, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) continue;
    if (fds[1].revents & POLLIN) return false;
    if (PQconsumeInput(conn_) == 0) {
      Log::Warn("the connection that listens for changes on '{}' broke: {}",
                UrlWithoutPassword(url_), PQerrorMessage(conn_));
      PQfinish(conn_);
      conn_ = nullptr;
      continue;
    }
    bool changed = false;
    while (PGnotify* n = PQnotifies(conn_)) {
      changed = true;
      PQfreemem(n);
    }
    if (changed) return true;
  }
}

}  // namespace weir::postgres
