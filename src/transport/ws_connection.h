#pragma once

// A WebSocket connection carrying SIP (RFC 7118), plain (ws:) or inside TLS (wss:). A client
// upgrades with an HTTP request that must offer the "sip" subprotocol; after that every
// WebSocket message, text or binary, is exactly one SIP message (RFC 7118 §5), so no
// Content-Length framing is needed. WebSocket pings are answered by Beast. We never open
// WebSocket connections ourselves: browser phones connect to us and stay connected.

#include <concepts>
#include <optional>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "transport/framed_connection.h"
#include "transport/stream_connection.h"
#include "transport/ws_protocol.h"

namespace sb::transport {

template <class NextLayer>
class WsConnection final : public StreamConnection {
public:
    /// A ws: connection accepted on `socket`.
    WsConnection(const Parts& parts, TcpStream socket)
        requires std::same_as<NextLayer, TcpStream>;
    /// A wss: connection accepted on `socket`, with the TLS server context.
    WsConnection(const Parts& parts, TcpStream socket, boost::asio::ssl::context& tls)
        requires std::same_as<NextLayer, TlsStream>;

protected:
    // StreamConnection
    boost::asio::ip::tcp::socket& tcp() override;
    void handshake(bool as_server, Done done) override;
    void read() override;
    void write(const std::string& bytes, Done done) override;

private:
    void read_upgrade(Done done);
    void on_upgrade(Done done);
    void refuse(const UpgradeVerdict& verdict, unsigned http_version);

    boost::beast::websocket::stream<NextLayer> ws_;
    boost::beast::flat_buffer buffer_;  // the upgrade request, then one message at a time
    std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
    std::optional<boost::beast::http::response<boost::beast::http::string_body>> refusal_;
};

extern template class WsConnection<TcpStream>;
extern template class WsConnection<TlsStream>;

}  // namespace sb::transport
