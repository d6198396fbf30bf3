#pragma once

#include "txn/transaction.h"

namespace sb::txn {

/// INVITE server transaction: RFC 3261 §17.2.1 (Figure 7) with RFC 6026's Accepted state.
class ServerInvite final : public ServerTransaction {
public:
    ServerInvite(TransactionTable& table, TxnId id, std::string key, sip::Message&& request,
                 const transport::Source& source);

    void on_retransmission() override;
    void on_ack() override;
    void on_timer(std::uint32_t tag) override;

private:
    void on_send(int status) override;
    Duration g_interval_{};
};

}  // namespace sb::txn
