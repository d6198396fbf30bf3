#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "transport/api/endpoint.h"

namespace sb::transport {

/// One listening address from the command line or the config: "udp:0.0.0.0:5060",
/// "tcp:[::1]:5070", "tls:0.0.0.0:5061", "ws:0.0.0.0:8080", "wss:0.0.0.0:8443", or without a
/// prefix for both UDP and TCP.
struct ListenSpec {
    Transport transport = Transport::Udp;
    std::string host;  // an IP literal; "0.0.0.0" and "::" mean every interface
    std::uint16_t port = 5060;

    bool operator==(const ListenSpec&) const = default;
};

enum class TlsVersion : std::uint8_t { V1_2, V1_3 };

/// TLS for tls: and wss: listeners and for outbound TLS connections (RFC 3261 §26.2.1).
struct TlsConfig {
    std::string certificate;       // PEM, our certificate (chain); "" generates a self-signed one
    std::string private_key;       // PEM; "" means the key is in the certificate file
    std::string ca_file;           // PEM CAs for client certificates and outbound peers; ""
                                   // means outbound peers are not verified (only logged)
    bool verify_clients = false;   // require a client certificate signed by a CA of ca_file
    TlsVersion min_version = TlsVersion::V1_2;
    std::string generated_dir;     // where a self-signed certificate is kept (<data_dir>/tls);
                                   // set by the server, not read from the config file
};

struct TransportConfig {
    std::vector<ListenSpec> listen;
    std::size_t max_message_size = 65535;           // larger messages are refused (513 / drop)
    std::chrono::seconds tcp_idle_timeout{600};     // an idle connection is closed after this
    std::size_t max_connections = 4096;             // stream connections in all
    std::size_t max_connections_per_ip = 64;
    std::chrono::seconds stream_handshake_timeout{10}; // TLS and WebSocket handshakes and the
                                                       // first complete message within this
    int udp_receive_buffer = 4 * 1024 * 1024;       // SO_RCVBUF per UDP socket
    TlsConfig tls;
};

}  // namespace sb::transport
