#pragma once

// Mutual TLS between nodes with CAF's OpenSSL module, for checkpointd and
// its clients alike: the files are checked once at startup, because CAF
// reads them only when a connection opens (a bad file then aborts a node on
// its first inbound connection and hangs a client's connect forever).

#include <cstdint>
#include <string>

#include <caf/expected.hpp>
#include <caf/fwd.hpp>
#include <caf/io/middleman_actor.hpp>

#include <checkpoint/messages/actors.hpp>

namespace CLI {
class App;
} // namespace CLI

namespace checkpoint {

/// The PEM files of mutual TLS: this program's certificate (chain), its
/// private key (unencrypted), and the CA certificate(s) that sign every
/// node and client. All empty: plain TCP.
struct tls_files {
  std::string certificate;
  std::string key;
  std::string ca;

  /// Whether any file is set, i.e. TLS is asked for.
  bool enabled() const {
    return !certificate.empty() || !key.empty() || !ca.empty();
  }
};

/// Checks that `files` make a working TLS context as CAF will build it: each
/// file set and readable, a certificate, a key that matches it, a CA that
/// signed it. Returns what is wrong, naming the option (`prefix` followed by
/// `certificate`, `key` or `ca`) and the file, or an empty string (also when
/// TLS is off).
std::string check_tls(const tls_files& files, const std::string& prefix);

/// Adds a client's options `--tls-certificate`, `--tls-key` and `--tls-ca`
/// to `app`, read into `files`; check them with `check_tls(files, "--tls-")`.
void add_tls_options(CLI::App& app, tls_files& files);

/// Makes the actor system built from `cfg` speak TLS with `files` (checked
/// by `check_tls`): loads CAF's OpenSSL module and hands it the files. Does
/// nothing when TLS is off. Call after `cfg.parse`, before the system
/// starts.
void use_tls(caf::actor_system_config& cfg, const tls_files& files);

/// Whether the system speaks TLS (see `use_tls`).
bool tls_enabled(const caf::actor_system& sys);

/// The actor that connects to other nodes: CAF's OpenSSL one when the system
/// speaks TLS, the plain middleman's otherwise.
caf::io::middleman_actor connector(caf::actor_system& sys);

/// Publishes the supervisor at `host`:`port` (0 picks a free port), over TLS
/// when the system speaks it; returns the port.
caf::expected<uint16_t> publish_supervisor(const supervisor_actor& sup,
                                           uint16_t port,
                                           const std::string& host);

} // namespace checkpoint
