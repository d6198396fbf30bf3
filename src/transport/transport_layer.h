#pragma once

// Every listening socket and connection of the server, behind the Sender interface: UDP
// sockets, and acceptors for TCP, TLS, WS and WSS whose connections share one table.

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

class TlsContext;

class TransportLayer final : public Sender {
public:
    TransportLayer(const TransportConfig& config, std::vector<io::Worker*> workers,
                   Receiver& receiver);
    ~TransportLayer() override;

    /// Binds every listen spec on every worker. Port 0 picks a free port, the same one for UDP
    /// and TCP on one host (see choose_ports). With a tls: or wss: listener, loads the TLS
    /// certificate or makes a self-signed one first. Fails naming the address that could not be
    /// bound or the TLS file at fault.
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
    // One acceptor per worker on the same address (SO_REUSEPORT), for any stream transport.
    struct StreamGroup {
        ListenerId listener;
        Transport transport;
        std::vector<std::unique_ptr<boost::asio::ip::tcp::acceptor>> per_worker;
    };

    Result<void> open_tls();
    Result<void> bind_udp(Listener& l);
    Result<void> bind_stream(Listener& l);
    void accept(StreamGroup& group, std::size_t worker);
    bool send_stream(const Destination& to, std::string_view bytes);

    const TransportConfig& config_;
    std::vector<io::Worker*> workers_;
    Receiver& receiver_;
    std::vector<Listener> listeners_;
    std::vector<UdpGroup> udp_;
    std::vector<StreamGroup> streams_;
    ConnectionTable connections_;
    std::unique_ptr<TlsContext> tls_;  // only with a tls: or wss: listener
};

}  // namespace sb::transport
