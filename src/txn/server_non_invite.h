#pragma once

#include "txn/transaction.h"

namespace sb::txn {

/// Non-INVITE server transaction: RFC 3261 §17.2.2 (Figure 8).
class ServerNonInvite final : public ServerTransaction {
public:
    ServerNonInvite(TransactionTable& table, TxnId id, std::string key, sip::Message&& request,
                    const transport::Source& source);

    void on_retransmission() override;
    void on_timer(std::uint32_t tag) override;

private:
    void on_send(int status) override;

    Duration j_after_release_{};   // what is left of Timer J once the request is released
};

}  // namespace sb::txn
