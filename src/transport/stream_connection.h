#pragma once

// A TCP connection owned by one worker: frames incoming bytes into messages (Content-Length,
// RFC 3261 §18.3), answers CRLF keep-alives (RFC 5626 §3.5.1), queues outgoing messages, and
// closes itself when idle, when a peer is too slow to send its first message, or when a
// message is over the size limit.

#include <deque>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "io/worker.h"
#include "sip/framer.h"
#include "transport/api/sender.h"
#include "transport/api/config.h"

namespace sb::transport {

class ConnectionTable;

class StreamConnection : public std::enable_shared_from_this<StreamConnection> {
public:
    StreamConnection(io::Worker& worker, boost::asio::ip::tcp::socket socket, ConnectionId id,
                     ListenerId listener, Receiver& receiver, ConnectionTable& table,
                     const TransportConfig& config);

    ConnectionId id() const { return id_; }
    io::Worker& worker() { return worker_; }
    const Endpoint& remote() const { return remote_; }
    Transport transport() const { return Transport::Tcp; }

    /// Starts reading an accepted connection.
    void start();
    /// Names the peer of an outbound connection before it connects (so it can be found).
    void set_remote(const Endpoint& remote) { remote_ = remote; }
    /// Connects to `remote`, then starts reading; messages sent meanwhile wait in the queue.
    void connect(const Endpoint& remote);
    /// Queues one message; may be called from any thread.
    void send(std::string bytes);
    /// Closes the connection (from any thread).
    void close();

private:
    void read();
    void on_read(std::size_t n);
    void write_next();
    void touch();
    void do_close(const char* why);

    io::Worker& worker_;
    boost::asio::ip::tcp::socket socket_;
    ConnectionId id_;
    ListenerId listener_;
    Receiver& receiver_;
    ConnectionTable& table_;
    const TransportConfig& config_;
    Endpoint remote_;
    sip::Framer framer_;
    std::string in_;
    std::size_t in_used_ = 0;
    std::deque<std::string> out_;
    bool writing_ = false;
    bool connected_ = false;
    bool closed_ = false;
    bool got_message_ = false;
    boost::asio::steady_timer idle_timer_;
};

}  // namespace sb::transport
