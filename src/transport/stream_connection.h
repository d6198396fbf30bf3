#pragma once

// What every stream connection (TCP, TLS, WebSocket, secure WebSocket) has in common, owned by
// one worker: the queue of outgoing messages, the handshake and idle timeouts, its entry in the
// connection table and the hand-off of whole messages to the Receiver. How the socket is
// wrapped and how bytes become messages is left to the subclasses: FramedConnection frames a
// TCP or TLS byte stream by Content-Length (RFC 3261 §18.3), WsConnection takes one SIP message
// per WebSocket message (RFC 7118 §5).

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "io/worker.h"
#include "transport/api/config.h"
#include "transport/api/sender.h"

namespace sb::transport {

class ConnectionTable;

class StreamConnection : public std::enable_shared_from_this<StreamConnection> {
public:
    /// What a connection is made with; the references outlive every connection.
    struct Parts {
        io::Worker& worker;  // the worker whose loop runs the socket
        Transport transport;
        ConnectionId id;
        ListenerId listener;  // the listener it arrived on, or that outbound messages name
        Receiver& receiver;
        ConnectionTable& table;
        const TransportConfig& config;
        Endpoint remote;  // the peer (known before connecting, for outbound connections)
    };

    explicit StreamConnection(const Parts& parts);
    virtual ~StreamConnection();
    StreamConnection(const StreamConnection&) = delete;
    StreamConnection& operator=(const StreamConnection&) = delete;

    ConnectionId id() const { return id_; }
    io::Worker& worker() { return worker_; }
    const Endpoint& remote() const { return remote_; }
    Transport transport() const { return transport_; }

    /// Starts an accepted connection: the server side of its handshake (TLS, WebSocket
    /// upgrade), then reading. Call on the owning worker.
    void start();
    /// Connects to the remote given in Parts, runs the client side of the handshake, then
    /// reads; messages sent meanwhile wait in the queue. Call on the owning worker.
    void connect();
    /// Queues one message; may be called from any thread.
    void send(std::string bytes);
    /// Closes the connection (from any thread).
    void close();

protected:
    using Done = std::function<void(const boost::system::error_code&)>;

    // The socket part, implemented per kind of stream. Each runs on the owning worker and keeps
    // the connection alive (a shared_ptr in its handler) while an operation is pending.

    /// The TCP socket under any TLS or WebSocket layer.
    virtual boost::asio::ip::tcp::socket& tcp() = 0;
    /// The handshakes above TCP (TLS, WebSocket upgrade) as server or client; `done` gets an
    /// error to close with. A kind that refuses a handshake itself may call do_close() instead.
    virtual void handshake(bool as_server, Done done) = 0;
    /// Starts the read loop: deliver() for each whole message, do_close() on error or EOF.
    virtual void read() = 0;
    /// Writes one message from the queue (the bytes stay valid until `done` runs).
    virtual void write(const std::string& bytes, Done done) = 0;

    /// Hands one whole message to the Receiver (call touch() once the bytes read are handled).
    void deliver(std::string_view message);
    /// Restarts the timeout: the handshake timeout until the first message, then the idle one.
    void touch();
    bool closed() const { return closed_; }
    /// Closes the socket and leaves the table; `why` is logged.
    void do_close(std::string_view why);
    const TransportConfig& config() const { return config_; }
    std::string describe() const;

    template <class Derived>
    std::shared_ptr<Derived> self() {
        return std::static_pointer_cast<Derived>(shared_from_this());
    }

private:
    void on_handshake(const boost::system::error_code& ec);
    void write_next();

    io::Worker& worker_;
    Transport transport_;
    ConnectionId id_;
    ListenerId listener_;
    Receiver& receiver_;
    ConnectionTable& table_;
    const TransportConfig& config_;
    Endpoint remote_;
    std::deque<std::string> out_;
    bool writing_ = false;
    bool ready_ = false;  // the handshake is done: queued messages may be written
    bool closed_ = false;
    bool got_message_ = false;
    boost::asio::steady_timer idle_timer_;
};

}  // namespace sb::transport
