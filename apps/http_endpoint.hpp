#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include <caf/expected.hpp>
#include <caf/fwd.hpp>

#include <checkpoint/actors/metrics.hpp>
#include <checkpoint/actors/store_worker.hpp>

namespace httplib {
class Server;
} // namespace httplib

namespace checkpoint {

/// A node's HTTP endpoint, served on its own threads:
/// - `GET /metrics`: `registry` in Prometheus' text format;
/// - `GET /healthz`: 200 when a `ping` through the store workers answers
///   within `probe_timeout`, else 503 with the reason. The probe is active
///   (a real query per request) so that an idle node, whose groups rarely
///   touch the store, still reports a lost database at once.
class http_endpoint {
public:
  /// How long a health probe may take before the store counts as down.
  static constexpr std::chrono::seconds probe_timeout{2};

  /// Listens on `host:port` (0: a free port) and starts serving, or returns
  /// an error naming the address. `sys` and `registry` must outlive it.
  static caf::expected<std::unique_ptr<http_endpoint>>
  start(caf::actor_system& sys, const metrics_registry& registry,
        store_worker store, const std::string& host, uint16_t port);

  /// Stops serving and joins the server thread.
  ~http_endpoint();

  /// The port it listens on.
  uint16_t port() const {
    return port_;
  }

private:
  http_endpoint() = default;

  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  uint16_t port_ = 0;
};

} // namespace checkpoint
