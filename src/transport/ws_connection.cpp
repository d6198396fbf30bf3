#include "transport/ws_connection.h"

#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "base/log.h"

namespace sb::transport {
namespace {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;

std::shared_ptr<spdlog::logger> logger() {
    static auto l = log::get("transport");
    return l;
}

constexpr std::size_t kUpgradeHeaderLimit = 8 * 1024;

}  // namespace

template <class NextLayer>
WsConnection<NextLayer>::WsConnection(const Parts& parts, TcpStream socket)
    requires std::same_as<NextLayer, TcpStream>
    : StreamConnection(parts), ws_(std::move(socket)) {}

template <class NextLayer>
WsConnection<NextLayer>::WsConnection(const Parts& parts, TcpStream socket,
                                      boost::asio::ssl::context& tls)
    requires std::same_as<NextLayer, TlsStream>
    : StreamConnection(parts), ws_(std::move(socket), tls) {}

template <class NextLayer>
boost::asio::ip::tcp::socket& WsConnection<NextLayer>::tcp() {
    return beast::get_lowest_layer(ws_);
}

template <class NextLayer>
void WsConnection<NextLayer>::handshake(bool as_server, Done done) {
    if (!as_server) {
        // Not reached: TransportLayer::send never opens WebSocket connections.
        do_close("outbound WebSocket connections are not supported");
        return;
    }
    if constexpr (std::same_as<NextLayer, TlsStream>) {
        ws_.next_layer().async_handshake(
            boost::asio::ssl::stream_base::server,
            [self = this->template self<WsConnection>(),
             done = std::move(done)](const boost::system::error_code& ec) mutable {
                if (ec || self->closed()) {
                    done(ec);
                    return;
                }
                self->read_upgrade(std::move(done));
            });
    } else {
        read_upgrade(std::move(done));
    }
}

template <class NextLayer>
void WsConnection<NextLayer>::read_upgrade(Done done) {
    parser_.emplace();
    parser_->header_limit(kUpgradeHeaderLimit);
    parser_->body_limit(1024);
    http::async_read(ws_.next_layer(), buffer_, *parser_,
                     [self = this->template self<WsConnection>(),
                      done = std::move(done)](const boost::system::error_code& ec,
                                              std::size_t) mutable {
                         if (ec || self->closed()) {
                             done(ec);
                             return;
                         }
                         self->on_upgrade(std::move(done));
                     });
}

template <class NextLayer>
void WsConnection<NextLayer>::on_upgrade(Done done) {
    const auto& request = parser_->get();
    // Several header lines are one comma-separated list (RFC 9110 §5.3).
    std::string protocols;
    auto [first, last] = request.equal_range(http::field::sec_websocket_protocol);
    for (auto it = first; it != last; ++it) {
        protocols.append(protocols.empty() ? "" : ",").append(it->value());
    }
    UpgradeVerdict verdict = check_upgrade(websocket::is_upgrade(request), protocols);
    if (verdict.status != 0) {
        refuse(verdict, request.version());
        return;
    }
    ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& response) {
        response.set(http::field::sec_websocket_protocol, kSipSubprotocol);
        response.set(http::field::server, "Switchboard");
    }));
    // A message over the limit ends the connection (Beast closes with 1009, "too big").
    ws_.read_message_max(config().max_message_size);
    // Each SIP message goes out as one frame: simpler for peers, and ours are small.
    ws_.auto_fragment(false);
    // Pings and pongs from the phone count as activity for the idle timeout. The callback runs
    // only inside a read, which holds a reference to this connection.
    ws_.control_callback([this](websocket::frame_type, beast::string_view) { touch(); });
    ws_.async_accept(request, [self = this->template self<WsConnection>(),
                               done = std::move(done)](const boost::system::error_code& ec) {
        self->buffer_.consume(self->buffer_.size());
        done(ec);
    });
}

template <class NextLayer>
void WsConnection<NextLayer>::refuse(const UpgradeVerdict& verdict, unsigned http_version) {
    logger()->info("{}: refused the WebSocket upgrade with {} ({})", describe(), verdict.status,
                   verdict.status == 426 ? "not a WebSocket upgrade"
                                         : "no Sec-WebSocket-Protocol: sip");
    refusal_.emplace(static_cast<http::status>(verdict.status), http_version);
    refusal_->set(http::field::server, "Switchboard");
    refusal_->set(http::field::connection, "close");
    refusal_->set(http::field::content_type, "text/plain");
    if (verdict.status == 426) {
        refusal_->set(http::field::upgrade, "websocket");
        refusal_->body() = "This port speaks SIP over WebSocket (RFC 7118) only.\r\n";
    } else {
        refusal_->body() = "Offer the WebSocket subprotocol \"sip\" (RFC 7118).\r\n";
    }
    refusal_->prepare_payload();
    http::async_write(ws_.next_layer(), *refusal_,
                      [self = this->template self<WsConnection>()](const boost::system::error_code&,
                                                                   std::size_t) {
                          self->do_close("WebSocket upgrade refused");
                      });
}

template <class NextLayer>
void WsConnection<NextLayer>::read() {
    ws_.async_read(buffer_, [self = this->template self<WsConnection>()](
                                const boost::system::error_code& ec, std::size_t) {
        if (self->closed()) {
            return;
        }
        if (ec) {
            if (ec == websocket::error::message_too_big) {
                logger()->warn("{}: message over the size limit, closing", self->describe());
            }
            self->do_close(ec == websocket::error::closed ? "closed by peer" : "read error");
            return;
        }
        std::string_view message(static_cast<const char*>(self->buffer_.data().data()),
                                 self->buffer_.size());
        switch (keep_alive_of(message)) {
            case KeepAlive::Ping:
                self->send("\r\n");
                break;
            case KeepAlive::Pong:
                break;
            case KeepAlive::None:
                self->deliver(message);
                break;
        }
        self->buffer_.consume(self->buffer_.size());
        self->touch();
        self->read();
    });
}

template <class NextLayer>
void WsConnection<NextLayer>::write(const std::string& bytes, Done done) {
    auto self = this->template self<WsConnection>();
    if (keep_alive_of(bytes) == KeepAlive::Ping) {
        // A CRLF keep-alive from above (server/keepalive.cpp) goes out as a WebSocket ping:
        // browsers answer pings by themselves, while a "\r\n\r\n" message would reach the
        // phone's SIP parser.
        ws_.async_ping({}, [self, done = std::move(done)](const boost::system::error_code& ec) {
            done(ec);
        });
        return;
    }
    ws_.text(is_utf8(bytes));
    ws_.async_write(boost::asio::buffer(bytes),
                    [self, done = std::move(done)](const boost::system::error_code& ec,
                                                   std::size_t) { done(ec); });
}

template class WsConnection<TcpStream>;
template class WsConnection<TlsStream>;

}  // namespace sb::transport
