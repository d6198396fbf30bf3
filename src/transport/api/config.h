#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "transport/api/endpoint.h"

namespace sb::transport {

/// One listening address from the command line or the config: "udp:0.0.0.0:5060",
/// "tcp:[::1]:5070", or without a prefix for both UDP and TCP.
struct ListenSpec {
    Transport transport = Transport::Udp;
    std::string host;  // an IP literal; "0.0.0.0" and "::" mean every interface
    std::uint16_t port = 5060;

    bool operator==(const ListenSpec&) const = default;
};

struct TransportConfig {
    std::vector<ListenSpec> listen;
    std::size_t max_message_size = 65535;           // larger messages are refused (513 / drop)
    std::chrono::seconds tcp_idle_timeout{600};     // an idle connection is closed after this
    std::size_t max_connections = 4096;             // stream connections in all
    std::size_t max_connections_per_ip = 64;
    std::chrono::seconds stream_handshake_timeout{10}; // first complete message within this
    int udp_receive_buffer = 4 * 1024 * 1024;       // SO_RCVBUF per UDP socket
};

}  // namespace sb::transport
