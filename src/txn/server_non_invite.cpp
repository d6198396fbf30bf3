#include "txn/server_non_invite.h"

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
    } else {
        start_timer(TimerName::J, j);
    }
}

void ServerNonInvite::on_timer(std::uint32_t tag) {
    if (static_cast<TimerName>(tag) == TimerName::J) {
        terminate();
    }
}

}  // namespace sb::txn
