#pragma once

#include "txn/transaction.h"

namespace sb::txn {

/// Non-INVITE client transaction: RFC 3261 §17.1.2 (Figure 6).
class ClientNonInvite final : public ClientTransaction {
public:
    ClientNonInvite(TransactionTable& table, TxnId id, std::string key, std::string bytes,
                    const transport::Destination& destination, ClientUser& user,
                    std::uint64_t token);

    void start();
    void on_response(const sip::Message& response, const transport::Source& source) override;
    void on_timer(std::uint32_t tag) override;
};

}  // namespace sb::txn
