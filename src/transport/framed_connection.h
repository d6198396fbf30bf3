#pragma once

// A TCP or TLS connection: SIP messages in a byte stream, framed by Content-Length
// (RFC 3261 §18.3), with the CRLF keep-alives of RFC 5626 §3.5.1 answered. TLS (RFC 3261 §26.2)
// is the same stream inside boost::asio::ssl::stream.

#include <concepts>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>

#include "sip/framer.h"
#include "transport/stream_connection.h"

namespace sb::transport {

using TcpStream = boost::asio::ip::tcp::socket;
using TlsStream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;

template <class Stream>
class FramedConnection final : public StreamConnection {
public:
    /// A TCP connection around `socket`.
    FramedConnection(const Parts& parts, TcpStream socket)
        requires std::same_as<Stream, TcpStream>;
    /// A TLS connection around `socket`, with a server context for accepted connections or a
    /// client context for outbound ones.
    FramedConnection(const Parts& parts, TcpStream socket, boost::asio::ssl::context& tls)
        requires std::same_as<Stream, TlsStream>;

protected:
    // StreamConnection
    boost::asio::ip::tcp::socket& tcp() override;
    void handshake(bool as_server, Done done) override;
    void read() override;
    void write(const std::string& bytes, Done done) override;

private:
    void on_read(std::size_t n);

    Stream stream_;
    sip::Framer framer_;
    std::string in_;
    std::size_t in_used_ = 0;
};

extern template class FramedConnection<TcpStream>;
extern template class FramedConnection<TlsStream>;

using TcpConnection = FramedConnection<TcpStream>;
using TlsConnection = FramedConnection<TlsStream>;

}  // namespace sb::transport
