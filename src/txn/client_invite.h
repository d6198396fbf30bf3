#pragma once

#include "txn/transaction.h"

namespace sb::txn {

/// INVITE client transaction: RFC 3261 §17.1.1 (Figure 5) with RFC 6026's Accepted state.
/// It acknowledges non-2xx final responses itself (hop by hop) and can build the CANCEL for
/// its request (RFC 3261 §9.1).
/// It keeps the request only as the bytes it sent, parsed again for the rare ACK or CANCEL,
/// and lets them go once a final response ends its need for them: an answered call's
/// transaction lives on 32 s (Timer M) with nothing of the INVITE.
class ClientInvite final : public ClientTransaction {
public:
    ClientInvite(TransactionTable& table, TxnId id, std::string key, std::string bytes,
                 const transport::Destination& destination, ClientUser& user,
                 std::uint64_t token);

    void start();
    void on_response(const sip::Message& response, const transport::Source& source) override;
    void on_timer(std::uint32_t tag) override;

    /// The CANCEL for this INVITE (same Request-URI, Call-ID, From, To, CSeq number, top Via
    /// and Route), with an optional Reason header value; empty once a final response came,
    /// when there is nothing left to cancel.
    std::string build_cancel(std::string_view reason = {}) const;

private:
    void send_ack(const sip::Message& response);

    std::string ack_;
};

}  // namespace sb::txn
