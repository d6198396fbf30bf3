#pragma once

// The TLS contexts of the transport (RFC 3261 §26.2.1, §26.3.1): one for connections we accept
// on tls: and wss: listeners, one for connections we open to sips: and transport=tls targets.
// Both are made once at start, shared by every worker (OpenSSL makes each connection's state
// from a context without changing it), and present the same certificate.

#include <memory>
#include <string>
#include <vector>

#include <boost/asio/ssl/context.hpp>

#include "base/result.h"
#include "transport/api/config.h"

namespace sb::transport {

class TlsContext {
public:
    /// Loads the configured certificate, key and CA file, or without a certificate makes (or
    /// reuses) a self-signed one in `config.generated_dir` naming `host_name` and `addresses`.
    /// Fails naming the file at fault.
    static Result<std::unique_ptr<TlsContext>> create(const TlsConfig& config,
                                                      const std::string& host_name,
                                                      const std::vector<std::string>& addresses);

    /// For accepted connections: TLS 1.2 or 1.3 at least, a client certificate required
    /// and verified only with `verify_clients`.
    boost::asio::ssl::context& server() { return server_; }
    /// For outbound connections: the peer is verified against `ca_file` when one is set;
    /// otherwise any certificate is accepted and its subject logged (see FramedConnection).
    boost::asio::ssl::context& client() { return client_; }

    /// The certificate presented (configured or generated).
    const std::string& certificate_file() const { return certificate_; }

private:
    TlsContext();

    boost::asio::ssl::context server_;
    boost::asio::ssl::context client_;
    std::string certificate_;
};

}  // namespace sb::transport
