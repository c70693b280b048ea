#include <checkpoint/apps/http_endpoint.hpp>

#include <atomic>
#include <utility>

#include <sys/socket.h>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>
#include <httplib.h>
#include <spdlog/spdlog.h>

#include <checkpoint/actors/log.hpp>
#include <checkpoint/messages/error.hpp>

namespace checkpoint {

caf::expected<std::unique_ptr<http_endpoint>>
http_endpoint::start(caf::actor_system& sys, const metrics_registry& registry,
                     store_worker store, const std::string& host,
                     uint16_t port) {
  std::unique_ptr<http_endpoint> result{new http_endpoint};
  auto& server = *(result->server_ = std::make_unique<httplib::Server>());
  // httplib's default adds SO_REUSEPORT, with which a second node would
  // share a busy port silently instead of failing to start.
  server.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  server.Get("/metrics", [&registry](const httplib::Request&,
                                     httplib::Response& res) {
    res.set_content(registry.render(std::chrono::system_clock::now()),
                    "text/plain; version=0.0.4");
  });
  // Logs only changes of health, not every probe.
  auto healthy = std::make_shared<std::atomic<bool>>(true);
  server.Get("/healthz", [&sys, store, healthy](const httplib::Request&,
                                                httplib::Response& res) {
    caf::scoped_actor self{sys};
    caf::error failure;
    self->request(store, probe_timeout, ping_atom::value)
      .receive([](ok_atom) {},
               [&](caf::error& err) { failure = std::move(err); });
    if (!failure) {
      if (!healthy->exchange(true))
        spdlog::info("msg=\"store reachable again\"");
      res.set_content("ok\n", "text/plain");
      return;
    }
    auto reason = describe(failure);
    if (healthy->exchange(false))
      spdlog::error("msg=\"store unavailable\" error={}", logfmt(reason));
    res.status = 503;
    res.set_content("store unavailable: " + reason + "\n", "text/plain");
  });
  auto bound = port == 0 ? server.bind_to_any_port(host)
                         : (server.bind_to_port(host, port) ? port : -1);
  if (bound <= 0)
    return make_error(ec::bad_input,
                      "cannot listen on " + host + ':' + std::to_string(port));
  result->port_ = static_cast<uint16_t>(bound);
  result->thread_ = std::thread{[&server] { server.listen_after_bind(); }};
  // A stop() before the server thread runs would be lost, and the
  // destructor's join would then wait forever.
  while (!server.is_running())
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return result;
}

http_endpoint::~http_endpoint() {
  // Not running when the port could not be bound.
  if (!thread_.joinable())
    return;
  server_->stop();
  thread_.join();
}

} // namespace checkpoint
