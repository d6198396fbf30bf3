#pragma once

// The rules of SIP over WebSocket (RFC 7118) that need no socket, kept apart from the
// connection so they can be tested alone.

#include <string_view>

namespace sb::transport {

/// RFC 7118 §4.1: the subprotocol a SIP WebSocket client offers and the server echoes.
inline constexpr std::string_view kSipSubprotocol = "sip";

/// Whether the values of Sec-WebSocket-Protocol (a comma-separated list, possibly from several
/// header lines joined with commas) offer the "sip" subprotocol. Subprotocol names are
/// compared exactly (RFC 6455 §4.1: the server must answer one of the offered values as sent).
bool offers_sip(std::string_view protocols);

/// The answer to an HTTP request on a ws: or wss: listener.
struct UpgradeVerdict {
    int status = 0;  // 0: accept the upgrade and answer "Sec-WebSocket-Protocol: sip"
    std::string_view reason;
};

/// RFC 6455 §4.2.2: a request that is not a WebSocket upgrade gets 426 Upgrade Required.
/// RFC 7118 §4.1: an upgrade that does not offer the "sip" subprotocol is refused with 400,
/// since a peer that cannot speak SIP has no business on this port.
UpgradeVerdict check_upgrade(bool is_websocket_upgrade, std::string_view protocols);

/// Whether `bytes` is well-formed UTF-8 (RFC 3629), so it may be sent in a text frame
/// (RFC 6455 §5.6); other messages go in binary frames (RFC 7118 §5.1 allows both).
bool is_utf8(std::string_view bytes);

/// The CRLF keep-alives of RFC 5626 §3.5.1, which SIP.js and JsSIP also send as WebSocket
/// messages: a ping is answered with a pong, a pong is dropped. Anything else is a SIP message.
enum class KeepAlive { None, Ping, Pong };
KeepAlive keep_alive_of(std::string_view message);

}  // namespace sb::transport
