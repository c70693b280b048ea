#include <checkpoint/apps/tls.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

#include <CLI/CLI.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/openssl/publish.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>

namespace checkpoint {
namespace {

/// Returns why `path` cannot be read as a file, or an empty string.
std::string unreadable(const std::string& path) {
  auto fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0)
    return std::strerror(errno);
  struct stat st;
  auto is_file = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  ::close(fd);
  return is_file ? std::string{} : std::string{"not a regular file"};
}

/// Takes OpenSSL's queued errors of this thread, as `reason: detail; ...`.
std::string ssl_errors() {
  std::string out;
  const char* data = nullptr;
  int flags = 0;
  while (
    auto code = ERR_get_error_all(nullptr, nullptr, nullptr, &data, &flags)) {
    if (!out.empty())
      out += "; ";
    auto reason = ERR_reason_error_string(code);
    out += reason != nullptr ? reason : "unknown error";
    if ((flags & ERR_TXT_STRING) != 0 && data != nullptr && *data != '\0')
      out += std::string{": "} + data;
  }
  return out;
}

/// Declines to decrypt a key: OpenSSL's default would ask on the terminal.
int no_passphrase(char*, int, int, void*) {
  return 0;
}

} // namespace

std::string check_tls(const tls_files& files, const std::string& prefix) {
  if (!files.enabled())
    return {};
  const std::pair<const char*, const std::string*> each[] = {
    {"certificate", &files.certificate},
    {"key", &files.key},
    {"ca", &files.ca},
  };
  for (auto& [name, path] : each) {
    if (path->empty())
      return prefix + name + ": required for TLS (" + prefix + "certificate, "
             + prefix + "key and " + prefix + "ca go together)";
    if (auto why = unreadable(*path); !why.empty())
      return prefix + name + ": cannot read " + *path + ": " + why;
  }
  // The same steps as CAF's OpenSSL module on every connection, plus the
  // ones it leaves to the peer: the key matches, the CA signed the
  // certificate (and it has not expired).
  ERR_clear_error();
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx{
    SSL_CTX_new(TLS_method()), SSL_CTX_free};
  if (!ctx)
    return "cannot create a TLS context: " + ssl_errors();
  SSL_CTX_set_default_passwd_cb(ctx.get(), no_passphrase);
  auto fail = [&](const char* name, const std::string& what) {
    return prefix + name + ": " + what + " (" + ssl_errors() + ")";
  };
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), files.certificate.c_str())
      != 1)
    return fail("certificate", files.certificate + " holds no PEM certificate");
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), files.key.c_str(),
                                  SSL_FILETYPE_PEM)
        != 1
      || SSL_CTX_check_private_key(ctx.get()) != 1)
    return fail("key", files.key
                         + " holds no unencrypted PEM private key of the "
                           "certificate "
                         + files.certificate);
  if (SSL_CTX_load_verify_locations(ctx.get(), files.ca.c_str(), nullptr) != 1)
    return fail("ca", files.ca + " holds no PEM CA certificate");
  if (SSL_CTX_build_cert_chain(ctx.get(), 0) != 1)
    return fail("certificate", files.certificate
                                 + " does not verify against the CA in "
                                 + files.ca);
  return {};
}

void add_tls_options(CLI::App& app, tls_files& files) {
  app.add_option("--tls-certificate", files.certificate,
                 "PEM certificate of this client; turns on mutual TLS");
  app.add_option("--tls-key", files.key,
                 "PEM private key of the certificate, unencrypted");
  app.add_option("--tls-ca", files.ca,
                 "PEM CA certificate(s) that sign the node's certificate");
}

void use_tls(caf::actor_system_config& cfg, const tls_files& files) {
  if (!files.enabled())
    return;
  cfg.openssl_certificate = files.certificate;
  cfg.openssl_key = files.key;
  cfg.openssl_cafile = files.ca;
  // Only the checked files count, whatever CAF's own options said.
  cfg.openssl_capath.clear();
  cfg.openssl_passphrase.clear();
  cfg.load<caf::openssl::manager>();
}

bool tls_enabled(const caf::actor_system& sys) {
  return sys.has_openssl_manager();
}

caf::io::middleman_actor connector(caf::actor_system& sys) {
  return tls_enabled(sys) ? sys.openssl_manager().actor_handle()
                          : sys.middleman().actor_handle();
}

caf::expected<uint16_t> publish_supervisor(const supervisor_actor& sup,
                                           uint16_t port,
                                           const std::string& host) {
  auto& sys = sup.home_system();
  if (tls_enabled(sys))
    return caf::openssl::publish(sup, port, host.c_str());
  return sys.middleman().publish(sup, port, host.c_str());
}

} // namespace checkpoint
