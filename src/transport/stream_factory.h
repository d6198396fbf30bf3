#pragma once

// Picks the connection class for a stream transport: TCP and TLS frame a byte stream
// (FramedConnection), WS and WSS carry one message per WebSocket message (WsConnection).

#include <memory>

#include <boost/asio/ip/tcp.hpp>

#include "transport/stream_connection.h"

namespace sb::transport {

class TlsContext;

/// Whether we open connections of this transport ourselves: TCP and TLS (RFC 3261 §18.1.1).
/// WebSocket clients connect to us (RFC 7118 §5), so a WS or WSS peer without an open
/// connection cannot be reached.
bool can_connect(Transport t);

/// Makes the connection for `parts.transport` around `socket`. Accepted TLS and WSS
/// connections use the server context of `tls`, outbound TLS ones its client context.
/// nullptr for UDP, for a TLS kind without `tls`, and for outbound WebSocket.
std::shared_ptr<StreamConnection> make_stream_connection(const StreamConnection::Parts& parts,
                                                         boost::asio::ip::tcp::socket socket,
                                                         TlsContext* tls, bool outbound);

}  // namespace sb::transport
