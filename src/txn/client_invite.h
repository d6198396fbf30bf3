#pragma once

#include <optional>

#include "base/block_cache.h"
#include "txn/transaction.h"

namespace sb::txn {

/// INVITE client transaction: RFC 3261 §17.1.1 (Figure 5) with RFC 6026's Accepted state.
/// It acknowledges non-2xx final responses itself (hop by hop) and can build the CANCEL for
/// its request (RFC 3261 §9.1).
/// At 1.9 KB (it keeps the parsed request it sent) it is allocated from a per-thread block
/// cache, being above what glibc's thread cache serves.
class ClientInvite final : public ClientTransaction, public CachedAllocation<ClientInvite> {
public:
    ClientInvite(TransactionTable& table, TxnId id, std::string key, std::string bytes,
                 sip::Message&& sent, const transport::Destination& destination, ClientUser& user,
                 std::uint64_t token, std::string branch);

    void start();
    void on_response(const sip::Message& response, const transport::Source& source) override;
    void on_timer(std::uint32_t tag) override;

    /// The request this transaction sent.
    const sip::Message& sent() const { return sent_; }
    /// The CANCEL for this INVITE (same Request-URI, Call-ID, From, To, CSeq number, top Via
    /// and Route), with an optional Reason header value.
    std::string build_cancel(std::string_view reason = {}) const;

private:
    void send_ack(const sip::Message& response);

    sip::Message sent_;
    std::string ack_;
};

}  // namespace sb::txn
