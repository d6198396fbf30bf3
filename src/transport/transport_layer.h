#pragma once

// Every listening socket and connection of the server, behind the Sender interface.

#include <memory>
#include <string>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

#include "base/result.h"
#include "io/worker.h"
#include "transport/api/sender.h"
#include "transport/api/config.h"
#include "transport/connection_table.h"
#include "transport/udp_socket.h"

namespace sb::transport {

class TransportLayer final : public Sender {
public:
    TransportLayer(const TransportConfig& config, std::vector<io::Worker*> workers,
                   Receiver& receiver);
    ~TransportLayer() override;

    /// Binds every listen spec on every worker. Port 0 picks a free port, the same one for UDP
    /// and TCP on one host. Fails naming the address that could not be bound.
    Result<void> open();
    /// Starts receiving; call once the workers run.
    void start();
    /// Stops listening and closes every connection.
    void close();

    /// "udp:127.0.0.1:5060 tcp:127.0.0.1:5060 ..." for the ready line.
    std::string describe() const;

    // Sender
    bool send(const Destination& to, std::string_view bytes) override;
    std::span<const Listener> listeners() const override { return listeners_; }
    const Listener* listener_for(Transport transport, const Endpoint& remote) const override;
    Endpoint advertised(const Listener& listener, const Endpoint& remote) const override;

    ConnectionTable& connections() { return connections_; }

private:
    struct UdpGroup {
        ListenerId listener;
        std::vector<std::unique_ptr<UdpSocket>> per_worker;
    };
    struct TcpGroup {
        ListenerId listener;
        std::vector<std::unique_ptr<boost::asio::ip::tcp::acceptor>> per_worker;
    };

    Result<void> bind_udp(Listener& l);
    Result<void> bind_tcp(Listener& l);
    void accept(TcpGroup& group, std::size_t worker);
    bool send_stream(const Destination& to, std::string_view bytes);

    const TransportConfig& config_;
    std::vector<io::Worker*> workers_;
    Receiver& receiver_;
    std::vector<Listener> listeners_;
    std::vector<UdpGroup> udp_;
    std::vector<TcpGroup> tcp_;
    ConnectionTable connections_;
};

}  // namespace sb::transport
