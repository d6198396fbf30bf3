#include "txn/client_invite.h"

#include <fmt/format.h>

#include "sip/parser.h"
#include "txn/table.h"
#include "txn/transaction_user.h"

namespace sb::txn {

ClientInvite::ClientInvite(TransactionTable& table, TxnId id, std::string key, std::string bytes,
                           const transport::Destination& destination, ClientUser& user,
                           std::uint64_t token)
    : ClientTransaction(table, id, std::move(key), std::move(bytes), destination, user, token) {
    set_state(State::Calling);
}

void ClientInvite::start() {
    if (!transmit()) {
        return;
    }
    if (!reliable()) {
        interval_ = table_.config().t1;
        start_timer(TimerName::A, interval_);
    }
    start_timer(TimerName::B, table_.config().timer_b());
}

void ClientInvite::on_response(const sip::Message& response, const transport::Source& source) {
    const int status = response.status();
    last_status_ = status;
    switch (state()) {
        case State::Calling:
        case State::Proceeding:
            stop_timer(TimerName::A);
            if (status < 200) {
                set_state(State::Proceeding);
                stop_timer(TimerName::B);  // Timer B guards only the Calling state
            } else if (status < 300) {
                // RFC 6026 §8.4: stay to pass 2xx retransmissions and forked 2xx up.
                set_state(State::Accepted);
                stop_timer(TimerName::B);
                start_timer(TimerName::M, table_.config().timer_m());
                release_request();
            } else {
                set_state(State::Completed);
                stop_timer(TimerName::B);
                send_ack(response);
                release_request();
                Duration d = table_.config().timer_d(reliable());
                if (d == Duration::zero()) {
                    terminate();
                } else {
                    start_timer(TimerName::D, d);
                }
            }
            user_.on_response(*this, response, source);
            break;
        case State::Accepted:
            if (status >= 200 && status < 300) {
                user_.on_response(*this, response, source);
            }
            break;
        case State::Completed:
            // A retransmitted final response: acknowledge it again, the TU already has it.
            if (status >= 300 && !ack_.empty()) {
                table_.sender().send(destination_, ack_);
            }
            break;
        default:
            break;
    }
}

void ClientInvite::on_timer(std::uint32_t tag) {
    switch (static_cast<TimerName>(tag)) {
        case TimerName::A:
            if (state() == State::Calling && transmit()) {
                interval_ *= 2;
                start_timer(TimerName::A, interval_);
            }
            break;
        case TimerName::B:
            if (state() == State::Calling) {
                terminate();
                user_.on_timeout(*this);
            }
            break;
        case TimerName::D:
        case TimerName::M:
            terminate();
            break;
        default:
            break;
    }
}

namespace {

// The header lines a CANCEL or an ACK copies from the INVITE: top Via only, and every Route.
void append_common(std::string& out, const sip::Message& invite) {
    out.append("Via: ").append(invite.top_via().text).append("\r\n");
    for (const sip::HeaderField& h : invite.headers()) {
        if (h.id == sip::HeaderId::Route) {
            out.append("Route: ").append(h.value).append("\r\n");
        }
    }
    out.append("Max-Forwards: 70\r\n");
    out.append("From: ").append(invite.value(sip::HeaderId::From)).append("\r\n");
    out.append("Call-ID: ").append(invite.call_id()).append("\r\n");
}

}  // namespace

void ClientInvite::send_ack(const sip::Message& response) {
    // RFC 3261 §17.1.1.3: the ACK for a non-2xx final response.
    auto sent = sip::parse_message(std::string_view(bytes_));
    if (!sent) {
        return;  // not possible: the bytes were built from a parsed request
    }
    ack_.clear();
    fmt::format_to(std::back_inserter(ack_), "ACK {} SIP/2.0\r\n", sent->request_uri());
    append_common(ack_, *sent);
    ack_.append("To: ").append(response.value(sip::HeaderId::To)).append("\r\n");
    fmt::format_to(std::back_inserter(ack_), "CSeq: {} ACK\r\nContent-Length: 0\r\n\r\n",
                   sent->cseq().number);
    table_.sender().send(destination_, ack_);
}

std::string ClientInvite::build_cancel(std::string_view reason) const {
    // RFC 3261 §9.1.
    if (bytes_.empty()) {
        return {};
    }
    auto sent = sip::parse_message(std::string_view(bytes_));
    if (!sent) {
        return {};
    }
    std::string out;
    fmt::format_to(std::back_inserter(out), "CANCEL {} SIP/2.0\r\n", sent->request_uri());
    append_common(out, *sent);
    out.append("To: ").append(sent->value(sip::HeaderId::To)).append("\r\n");
    fmt::format_to(std::back_inserter(out), "CSeq: {} CANCEL\r\n", sent->cseq().number);
    if (!reason.empty()) {
        out.append("Reason: ").append(reason).append("\r\n");
    }
    out.append("Content-Length: 0\r\n\r\n");
    return out;
}

}  // namespace sb::txn
