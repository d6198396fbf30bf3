#pragma once

// Where a message came from and how to answer on the same path (RFC 3261 §18.2.2).

#include <cstdint>

#include "transport/api/endpoint.h"

namespace sb::transport {

/// Index of one of our listening sockets (see Listener).
using ListenerId = std::uint32_t;
/// Identifies a stream connection for its whole life; never reused, 0 means "none".
using ConnectionId = std::uint64_t;

inline constexpr ListenerId kAnyListener = UINT32_MAX;

struct Source {
    Transport transport = Transport::Udp;
    Endpoint remote;                      // the peer's address as we see it (after NAT)
    ListenerId listener = kAnyListener;   // the listening socket it arrived on
    ConnectionId connection = 0;          // the stream connection, 0 for UDP
    std::int64_t received_ns = 0;         // wall clock when it arrived (the kernel's stamp for
                                          // UDP), to tell how long it waited; 0: unknown
};

/// Where to send a message.
struct Destination {
    Transport transport = Transport::Udp;
    Endpoint remote;
    ConnectionId connection = 0;          // reuse this connection while it is open
    ListenerId listener = kAnyListener;   // send from this socket (responses: the request's)
};

inline Destination reply_path(const Source& s) {
    return Destination{s.transport, s.remote, s.connection, s.listener};
}

/// One of our listening addresses, as advertised in Via and Record-Route.
struct Listener {
    ListenerId id = 0;
    Transport transport = Transport::Udp;
    Endpoint local;  // bound address and port (never a wildcard: wildcards are expanded)
};

}  // namespace sb::transport
