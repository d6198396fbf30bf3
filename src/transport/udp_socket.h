#pragma once

// One UDP socket of one worker. Every worker binds its own socket to the same address with
// SO_REUSEPORT, so the kernel spreads datagrams over the workers and no socket is shared.

#include <sys/socket.h>

#include <memory>
#include <optional>
#include <vector>

#include "base/result.h"
#include "io/descriptor_reader.h"
#include "io/worker.h"
#include "transport/api/sender.h"
#include "transport/api/config.h"

namespace sb::transport {

class UdpSocket {
public:
    UdpSocket(io::Worker& worker, ListenerId listener, Receiver& receiver,
              const TransportConfig& config);
    ~UdpSocket();
    UdpSocket(const UdpSocket&) = delete;
    UdpSocket& operator=(const UdpSocket&) = delete;

    /// Binds to `local` with SO_REUSEPORT; returns the bound endpoint.
    Result<Endpoint> bind(const Endpoint& local);
    void start();
    void close();

    /// Sends one datagram without blocking; false when the kernel refused it.
    bool send_to(const Endpoint& remote, std::string_view bytes);

    int native_handle() const { return fd_; }

private:
    static constexpr int kBatch = 16;  // datagrams read per system call

    /// Reads one batch into the slots (a failure other than an empty socket is kept for the
    /// delivery to log).
    io::DescriptorReader::Outcome read_batch();
    /// Hands up what the last batch read.
    void deliver_batch();

    io::Worker& worker_;
    ListenerId listener_;
    Receiver& receiver_;
    const TransportConfig& config_;
    int fd_ = -1;
    std::optional<io::DescriptorReader> reader_;
    std::vector<char> scratch_;
    // The last batch: one slot per datagram, pointing into scratch_.
    struct Slots;
    std::unique_ptr<Slots> slots_;
    int batch_result_ = 0;  // datagrams in the slots, or -errno of the last read
};

/// Binds a plain socket (no SO_REUSEPORT) to find out whether the address is free and, for
/// port 0, which port the kernel gives. Another process sharing the port through SO_REUSEPORT
/// would otherwise split our traffic silently.
Result<std::uint16_t> probe_port(Transport transport, const Endpoint& local);

}  // namespace sb::transport
