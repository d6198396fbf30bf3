#include "txn/server_non_invite.h"

#include <algorithm>

#include "txn/table.h"

namespace sb::txn {

ServerNonInvite::ServerNonInvite(TransactionTable& table, TxnId id, std::string key,
                                 sip::Message&& request, const transport::Source& source)
    : ServerTransaction(table, id, std::move(key), std::move(request), source) {
    set_state(State::Trying);
}

void ServerNonInvite::on_retransmission() {
    // Trying: nothing to resend yet; Proceeding and Completed: the last response.
    if (state() == State::Proceeding || state() == State::Completed) {
        resend_last();
    }
}

void ServerNonInvite::on_send(int status) {
    if (state() == State::Completed) {
        return;
    }
    if (status < 200) {
        set_state(State::Proceeding);
        return;
    }
    set_state(State::Completed);
    Duration j = table_.config().timer_j(reliable());
    if (j == Duration::zero()) {
        terminate();
        return;
    }
    // Completed only answers retransmissions with the last response, for 64*T1: the request
    // (most of the memory of a transaction) goes at the first of Timer J's two steps, once
    // whoever answered it is surely off the stack.
    j_after_release_ = j - std::min(j, table_.config().t1);
    start_timer(TimerName::J, j - j_after_release_);
}

void ServerNonInvite::on_timer(std::uint32_t tag) {
    if (static_cast<TimerName>(tag) != TimerName::J) {
        return;
    }
    if (request_ != nullptr) {
        release_request();
        if (j_after_release_ > Duration::zero()) {
            start_timer(TimerName::J, j_after_release_);
            return;
        }
    }
    terminate();
}

}  // namespace sb::txn
