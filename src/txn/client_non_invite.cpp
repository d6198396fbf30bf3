#include "txn/client_non_invite.h"

#include "txn/table.h"
#include "txn/transaction_user.h"

namespace sb::txn {

ClientNonInvite::ClientNonInvite(TransactionTable& table, TxnId id, std::string key,
                                 std::string bytes, const transport::Destination& destination,
                                 ClientUser& user, std::uint64_t token)
    : ClientTransaction(table, id, std::move(key), std::move(bytes), destination, user, token) {
    set_state(State::Trying);
}

void ClientNonInvite::start() {
    if (!transmit()) {
        return;
    }
    if (!reliable()) {
        interval_ = table_.config().t1;
        start_timer(TimerName::E, interval_);
    }
    start_timer(TimerName::F, table_.config().timer_f());
}

void ClientNonInvite::on_response(const sip::Message& response, const transport::Source& source) {
    if (state() != State::Trying && state() != State::Proceeding) {
        return;  // Completed: a retransmission, already passed up
    }
    const int status = response.status();
    last_status_ = status;
    if (status < 200) {
        set_state(State::Proceeding);
    } else {
        set_state(State::Completed);
        stop_timer(TimerName::E);
        stop_timer(TimerName::F);
        release_request();
        Duration k = table_.config().timer_k(reliable());
        if (k == Duration::zero()) {
            terminate();
        } else {
            start_timer(TimerName::K, k);
        }
    }
    user_.on_response(*this, response, source);
}

void ClientNonInvite::on_timer(std::uint32_t tag) {
    switch (static_cast<TimerName>(tag)) {
        case TimerName::E:
            if ((state() == State::Trying || state() == State::Proceeding) && transmit()) {
                // Trying: back off up to T2; Proceeding: every T2 (RFC 3261 §17.1.2.2).
                interval_ = state() == State::Trying ? std::min(2 * interval_, table_.config().t2)
                                                     : table_.config().t2;
                start_timer(TimerName::E, interval_);
            }
            break;
        case TimerName::F:
            if (state() == State::Trying || state() == State::Proceeding) {
                terminate();
                user_.on_timeout(*this);
            }
            break;
        case TimerName::K:
            terminate();
            break;
        default:
            break;
    }
}

}  // namespace sb::txn
