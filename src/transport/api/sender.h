#pragma once

#include <span>
#include <string_view>

#include "base/buffer.h"
#include "transport/api/source.h"

namespace sb::transport {

/// What the layers above see of the transport: sending, and our own addresses.
class Sender {
public:
    virtual ~Sender() = default;

    /// Sends one whole message. Returns false when it cannot even be attempted (no socket of
    /// that transport and address family). Over streams, the connection given in `to` is used
    /// while it is open; otherwise one to `to.remote` is reused or, for TCP and TLS, opened.
    /// WebSocket peers are reached only over a connection they opened (RFC 7118), so WS and
    /// WSS without one return false.
    virtual bool send(const Destination& to, std::string_view bytes) = 0;

    /// Every listening address.
    virtual std::span<const Listener> listeners() const = 0;

    /// The listener to send from (and to advertise in Via / Record-Route) for a destination:
    /// the same transport and address family, on the interface the route to it leaves by.
    /// nullptr when there is none.
    virtual const Listener* listener_for(Transport transport, const Endpoint& remote) const = 0;

    /// The address and port to advertise (in Via, Record-Route) for a listener when talking to
    /// `remote`: the bound address, or for a wildcard listener the address the route to
    /// `remote` leaves from.
    virtual Endpoint advertised(const Listener& listener, const Endpoint& remote) const = 0;
};

/// What the transport hands up: the bytes of one message (a datagram, or one frame of a
/// stream), and where they came from. Called on the worker thread that received them.
class Receiver {
public:
    virtual ~Receiver() = default;
    virtual void on_message(Buffer&& bytes, const Source& source) = 0;
};

}  // namespace sb::transport
