#include "transport/stream_factory.h"

#include "transport/framed_connection.h"
#include "transport/tls_context.h"
#include "transport/ws_connection.h"

namespace sb::transport {

bool can_connect(Transport t) { return t == Transport::Tcp || t == Transport::Tls; }

std::shared_ptr<StreamConnection> make_stream_connection(const StreamConnection::Parts& parts,
                                                         boost::asio::ip::tcp::socket socket,
                                                         TlsContext* tls, bool outbound) {
    if (outbound && !can_connect(parts.transport)) {
        return nullptr;
    }
    switch (parts.transport) {
        case Transport::Udp:
            return nullptr;
        case Transport::Tcp:
            return std::make_shared<TcpConnection>(parts, std::move(socket));
        case Transport::Ws:
            return std::make_shared<WsConnection<TcpStream>>(parts, std::move(socket));
        case Transport::Tls:
            if (tls == nullptr) {
                return nullptr;
            }
            return std::make_shared<TlsConnection>(parts, std::move(socket),
                                                   outbound ? tls->client() : tls->server());
        case Transport::Wss:
            if (tls == nullptr) {
                return nullptr;
            }
            return std::make_shared<WsConnection<TlsStream>>(parts, std::move(socket),
                                                             tls->server());
    }
    return nullptr;
}

}  // namespace sb::transport
