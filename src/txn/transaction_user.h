#pragma once

// What a transaction tells the layer above it (the transaction user, RFC 3261 §17).

#include <cstdint>

#include "transport/api/source.h"

namespace sb::sip {
class Message;
}

namespace sb::txn {

class ServerTransaction;
class ClientTransaction;


/// Receives new requests (one server transaction each) and requests that belong to no
/// transaction (an ACK for a 2xx, RFC 3261 §17.2.3).
class ServerUser {
public:
    virtual ~ServerUser() = default;
    /// A new request. The TU answers through `st` (now or later, on this worker).
    virtual void on_request(ServerTransaction& st) = 0;
    /// A request that matched no transaction and opens none: an ACK.
    virtual void on_stray_ack(const sip::Message& ack, const transport::Source& source) = 0;
    /// The server transaction ended without the TU's final response being acknowledged
    /// (Timer H) or because the transport failed.
    virtual void on_server_failure(ServerTransaction& st) = 0;
};

/// Receives what happens to one request the TU sent.
class ClientUser {
public:
    virtual ~ClientUser() = default;
    /// A response to pass up (provisional, final, and 2xx retransmissions for INVITE).
    virtual void on_response(ClientTransaction& ct, const sip::Message& response,
                             const transport::Source& source) = 0;
    /// No final response in time (Timer B or F): act as if a 408 had arrived.
    virtual void on_timeout(ClientTransaction& ct) = 0;
    /// The request could not be sent: act as if a 503 had arrived (RFC 3261 §8.1.3.1).
    virtual void on_transport_error(ClientTransaction& ct) = 0;
};

}  // namespace sb::txn
