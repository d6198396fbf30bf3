#include "txn/transaction.h"

#include <random>

#include "sip/response.h"
#include "txn/table.h"
#include "txn/transaction_user.h"

namespace sb::txn {

std::string_view state_name(State s) {
    switch (s) {
        case State::Calling: return "Calling";
        case State::Trying: return "Trying";
        case State::Proceeding: return "Proceeding";
        case State::Completed: return "Completed";
        case State::Confirmed: return "Confirmed";
        case State::Accepted: return "Accepted";
        case State::Terminated: return "Terminated";
    }
    return "?";
}

Transaction::Transaction(TransactionTable& table, TxnId id, std::string key, bool reliable)
    : table_(table), id_(id), key_(std::move(key)), state_(State::Trying), reliable_(reliable) {}

Transaction::~Transaction() {
    for (TimerId& t : timers_) {
        if (t != 0) {
            table_.timers().cancel(t);
        }
    }
}

void Transaction::start_timer(TimerName name, Duration after) {
    auto i = static_cast<std::size_t>(name);
    if (timers_[i] != 0) {
        table_.timers().cancel(timers_[i]);
    }
    timers_[i] = table_.timers().schedule(after, *this, static_cast<std::uint32_t>(name));
}

void Transaction::stop_timer(TimerName name) {
    auto i = static_cast<std::size_t>(name);
    if (timers_[i] != 0) {
        table_.timers().cancel(timers_[i]);
        timers_[i] = 0;
    }
}

void Transaction::terminate() {
    if (state_ == State::Terminated) {
        return;
    }
    state_ = State::Terminated;
    for (TimerId& t : timers_) {
        if (t != 0) {
            table_.timers().cancel(t);
            t = 0;
        }
    }
    table_.retire(*this);
}

namespace {

std::string random_tag() {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    static constexpr char kHex[] = "0123456789abcdef";
    std::uint64_t v = rng();
    std::string out(12, '0');
    for (char& c : out) {
        c = kHex[v & 0xf];
        v >>= 4;
    }
    return out;
}

// RFC 3261 §18.2.2 with RFC 3581: UDP responses go to the source address, to the source port
// when the client asked with rport, else to the sent-by port (5060 by default).
transport::Destination response_destination(const sip::Message& request,
                                            const transport::Source& source) {
    transport::Destination to = transport::reply_path(source);
    const sip::Via& via = request.top_via();
    if (source.transport == transport::Transport::Udp && !via.rport) {
        to.remote.set_port(via.port != 0 ? via.port : 5060);
    }
    return to;
}

}  // namespace

ServerTransaction::ServerTransaction(TransactionTable& table, TxnId id, std::string key,
                                     sip::Message&& request, const transport::Source& source)
    : Transaction(table, id, std::move(key), transport::is_stream(source.transport)),
      request_(std::make_unique<sip::Message>(std::move(request))),
      invite_(request_->method() == sip::Method::Invite),
      source_(source),
      reply_to_(response_destination(*request_, source)),
      local_tag_(random_tag()) {
    response_via_ =
        sip::annotate_via(request_->top_via(), source.remote.ip(), source.remote.port());
    if (response_via_.empty()) {
        response_via_ = std::string(request_->top_via().text);
    }
}

const sip::Message& ServerTransaction::no_request() {
    static const sip::Message empty;
    return empty;
}

std::string ServerTransaction::phrase(int status, std::string_view detail) const {
    return table_.phrases().phrase(status, detail);
}

void ServerTransaction::respond(int status, std::string_view reason, std::string_view extra_headers,
                                std::string_view content_type, std::string_view body) {
    std::string out;
    std::string extra;
    if (status >= 300) {
        extra = table_.phrases().warning_line(status, table_.agent());
    }
    if (!extra.empty()) {
        extra.insert(0, extra_headers);
        extra_headers = extra;
    }
    sip::build_response(out, request(),
                        sip::ResponseSpec{.status = status,
                                          .reason = reason.empty() ? table_.phrases().phrase(status)
                                                                   : reason,
                                          .to_tag = local_tag_,
                                          .extra_headers = extra_headers,
                                          .content_type = content_type,
                                          .body = body},
                        response_via_);
    send_response(std::move(out), status);
}

void ServerTransaction::send_response(std::string bytes, int status) {
    if (terminated()) {
        return;
    }
    // After a final response only a 2xx to an INVITE may follow (a proxy relaying 2xx
    // retransmissions or other forks' answers, RFC 6026).
    if (last_status_ >= 200 && !(is_invite() && status >= 200 && status < 300 &&
                                 last_status_ < 300)) {
        return;
    }
    last_response_ = std::move(bytes);
    last_status_ = status;
    table_.sender().send(reply_to_, last_response_);
    on_send(status);
}

void ServerTransaction::resend_last() {
    if (!last_response_.empty()) {
        table_.sender().send(reply_to_, last_response_);
    }
}

ClientTransaction::ClientTransaction(TransactionTable& table, TxnId id, std::string key,
                                     std::string bytes, const transport::Destination& destination,
                                     ClientUser& user, std::uint64_t token)
    : Transaction(table, id, std::move(key), transport::is_stream(destination.transport)),
      bytes_(std::move(bytes)),
      destination_(destination),
      user_(user),
      token_(token) {}

bool ClientTransaction::transmit() {
    if (!table_.sender().send(destination_, bytes_)) {
        fail_transport();
        return false;
    }
    return true;
}

void ClientTransaction::fail_transport() {
    if (terminated()) {
        return;
    }
    terminate();
    user_.on_transport_error(*this);
}

}  // namespace sb::txn
