#include <checkpoint/storage/postgres_listener.hpp>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <utility>

#include <poll.h>

#include <pqxx/pqxx>

#include <checkpoint/messages/error.hpp>
#include <checkpoint/storage/postgres_connection.hpp>

namespace checkpoint {

namespace {

// Collects the payloads of one channel, skipping the node's own writers.
class collector final : public pqxx::notification_receiver {
public:
  collector(pqxx::connection& conn, const std::string& channel,
            std::shared_ptr<backend_pids> own)
    : pqxx::notification_receiver(conn, channel), own_(std::move(own)) {
    // nop
  }

  void operator()(const std::string& payload, int backend_pid) override {
    if (own_ && own_->contains(backend_pid))
      return;
    found.groups.insert(payload);
  }

  notifications found;

private:
  std::shared_ptr<backend_pids> own_;
};

} // namespace

struct postgres_listener::impl {
  postgres_options opts;

  // Set by the first connect(); its error is that of every wait.
  caf::expected<postgres_target> target = caf::error{};

  // Declared before `receiver`, which must go first.
  std::unique_ptr<pqxx::connection> conn;

  // Null while disconnected.
  std::unique_ptr<collector> receiver;

  // Only once `target` is set.
  std::string context() const {
    return "listening on channel '" + target->channel() + "'";
  }

  caf::error connect() {
    if (!target)
      target = postgres_target::parse(opts.dsn, opts.schema);
    if (!target)
      return target.error();
    auto c = target->connect(context());
    if (!c)
      return std::move(c.error());
    try {
      // The receiver sends LISTEN with the channel quoted as an identifier.
      auto r = std::make_unique<collector>(**c, target->channel(),
                                           opts.own_backends);
      r->found.resync = true;
      conn = std::move(*c);
      receiver = std::move(r);
      return {};
    } catch (const std::exception& e) {
      return make_error(ec::store_unavailable,
                        context() + ": cannot listen (" + target->description()
                          + "): " + target->scrub(e.what()));
    }
  }

  void disconnect() {
    receiver.reset();
    conn.reset();
  }

  caf::expected<notifications> wait(caf::timespan timeout) {
    if (!conn)
      if (auto err = connect())
        return err;
    try {
      // LISTEN and earlier waits may have read notifications already: only
      // block when none is pending.
      conn->get_notifs();
      if (receiver->found.groups.empty() && !receiver->found.resync) {
        pollfd fd{conn->sock(), POLLIN, 0};
        auto ms
          = std::chrono::duration_cast<std::chrono::milliseconds>(timeout);
        if (::poll(&fd, 1, static_cast<int>(ms.count())) < 0 && errno != EINTR)
          return make_error(ec::store_failure,
                            context() + ": poll: " + std::strerror(errno));
        conn->get_notifs();
      }
      if (!conn->is_open())
        throw pqxx::broken_connection{"the server closed the connection"};
      return std::exchange(receiver->found, notifications{});
    } catch (const std::exception& e) {
      // The next wait reconnects and reports a resync.
      disconnect();
      return make_error(ec::store_unavailable,
                        context() + ": lost the connection ("
                          + target->description()
                          + "): " + target->scrub(e.what()));
    }
  }
};

postgres_listener::postgres_listener(postgres_options opts)
  : impl_(std::make_unique<impl>()) {
  impl_->opts = std::move(opts);
}

postgres_listener::~postgres_listener() {
  impl_->disconnect();
}

caf::expected<notifications> postgres_listener::wait(caf::timespan timeout) {
  return impl_->wait(timeout);
}

} // namespace checkpoint
