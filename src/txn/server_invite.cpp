#include "txn/server_invite.h"

#include "txn/table.h"

namespace sb::txn {

ServerInvite::ServerInvite(TransactionTable& table, TxnId id, std::string key,
                           sip::Message&& request, const transport::Source& source)
    : ServerTransaction(table, id, std::move(key), std::move(request), source) {
    set_state(State::Proceeding);
}

void ServerInvite::on_retransmission() {
    // Proceeding: resend the last provisional; Completed: the final; Accepted: absorb
    // (RFC 6026 §7.1: the TU retransmits 2xx, not the transaction).
    if (state() == State::Proceeding || state() == State::Completed) {
        resend_last();
    }
}

void ServerInvite::on_ack() {
    if (state() != State::Completed) {
        return;
    }
    set_state(State::Confirmed);
    stop_timer(TimerName::G);
    stop_timer(TimerName::H);
    start_timer(TimerName::I, table_.config().timer_i(reliable()));
}

void ServerInvite::on_send(int status) {
    if (state() != State::Proceeding && state() != State::Accepted) {
        return;
    }
    if (status < 200) {
        return;
    }
    if (status < 300) {
        if (state() == State::Proceeding) {
            set_state(State::Accepted);
            start_timer(TimerName::L, table_.config().timer_l());
        }
        release_response();
        return;
    }
    set_state(State::Completed);
    if (!reliable()) {
        g_interval_ = table_.config().t1;
        start_timer(TimerName::G, g_interval_);
    }
    start_timer(TimerName::H, table_.config().timer_h());
}

void ServerInvite::on_timer(std::uint32_t tag) {
    switch (static_cast<TimerName>(tag)) {
        case TimerName::G:
            if (state() == State::Completed) {
                resend_last();
                g_interval_ = std::min(2 * g_interval_, table_.config().t2);
                start_timer(TimerName::G, g_interval_);
            }
            break;
        case TimerName::H:
            // No ACK came: the TU learns the final response was never acknowledged.
            terminate();
            table_.server_user().on_server_failure(*this);
            break;
        case TimerName::I:
        case TimerName::L:
            terminate();
            break;
        default:
            break;
    }
}

}  // namespace sb::txn
