#pragma once

// One UDP socket of one worker. Every worker binds its own socket to the same address with
// SO_REUSEPORT, so the kernel spreads datagrams over the workers and no socket is shared.

#include <memory>
#include <vector>

#include <boost/asio/ip/udp.hpp>

#include "base/result.h"
#include "io/worker.h"
#include "transport/api/sender.h"
#include "transport/api/config.h"

namespace sb::transport {

class UdpSocket {
public:
    UdpSocket(io::Worker& worker, ListenerId listener, Receiver& receiver,
              const TransportConfig& config);

    /// Binds to `local` with SO_REUSEPORT; returns the bound endpoint.
    Result<Endpoint> bind(const Endpoint& local);
    void start();
    void close();

    /// Sends one datagram without blocking; false when the kernel refused it.
    bool send_to(const Endpoint& remote, std::string_view bytes);

    int native_handle() { return socket_.native_handle(); }

private:
    void wait();
    void drain();
    /// Reads and hands up one batch: the number of datagrams read, or -errno.
    int receive_batch();

    io::Worker& worker_;
    ListenerId listener_;
    Receiver& receiver_;
    const TransportConfig& config_;
    boost::asio::ip::udp::socket socket_;
    std::vector<char> scratch_;
};

/// Binds a plain socket (no SO_REUSEPORT) to find out whether the address is free and, for
/// port 0, which port the kernel gives. Another process sharing the port through SO_REUSEPORT
/// would otherwise split our traffic silently.
Result<std::uint16_t> probe_port(Transport transport, const Endpoint& local);

}  // namespace sb::transport
