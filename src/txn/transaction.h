#pragma once

// What every transaction has: an identity, a state, timers named after the RFC, and the table
// that owns it. The four machines of RFC 3261 §17 derive from ServerTransaction and
// ClientTransaction.

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/timer_queue.h"
#include "sip/message.h"
#include "transport/api/source.h"
#include "txn/timers.h"

namespace sb::txn {

class TransactionTable;
class ClientUser;

using TxnId = std::uint64_t;

enum class State : std::uint8_t {
    Calling,     // client INVITE, request sent
    Trying,      // non-INVITE, request sent or received
    Proceeding,  // a provisional response went by
    Completed,   // a final response went by; absorbing retransmissions
    Confirmed,   // server INVITE: ACK received
    Accepted,    // INVITE answered with 2xx (RFC 6026)
    Terminated,
};

std::string_view state_name(State s);

class Transaction : public TimerTarget {
public:
    ~Transaction() override;
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

    TxnId id() const { return id_; }
    State state() const { return state_; }
    const std::string& key() const { return key_; }
    /// True over streams: no retransmissions, and the waiting timers are 0.
    bool reliable() const { return reliable_; }
    bool terminated() const { return state_ == State::Terminated; }

protected:
    Transaction(TransactionTable& table, TxnId id, std::string key, bool reliable);

    void start_timer(TimerName name, Duration after);
    void stop_timer(TimerName name);
    void set_state(State s) { state_ = s; }
    /// Stops every timer and hands the transaction back to the table, which frees it once
    /// the current event has been handled.
    void terminate();

    TransactionTable& table_;

private:
    TxnId id_;
    std::string key_;
    State state_;
    bool reliable_;
    std::array<TimerId, 12> timers_{};
};

class ServerTransaction : public Transaction {
public:
    /// The request; empty once released (by a completed non-INVITE transaction after T1, or
    /// by the TU once it is done with an answered INVITE).
    const sip::Message& request() const { return request_ ? *request_ : no_request(); }
    const transport::Source& source() const { return source_; }
    bool is_invite() const { return invite_; }
    /// Status of the last response sent, 0 before any.
    int last_status() const { return last_status_; }
    /// The To tag this server uses in responses it builds itself.
    const std::string& local_tag() const { return local_tag_; }

    /// The reason phrase for `status` from the server's table, with an optional detail in
    /// parentheses ("Forbidden (relaying denied)").
    std::string phrase(int status, std::string_view detail = {}) const;

    /// Builds a response to the request (RFC 3261 §8.2.6) and sends it. An empty reason takes
    /// the table's phrase; error responses carry the configured Warning explanation.
    void respond(int status, std::string_view reason = {}, std::string_view extra_headers = {},
                 std::string_view content_type = {}, std::string_view body = {});
    /// Sends a response that is already built (a proxy relaying one it received).
    void send_response(std::string bytes, int status);
    /// Ends the transaction without sending anything, as if the request had never arrived (a
    /// refusal that tells a flooding or scanning source nothing). Without it a request left
    /// unanswered would keep its transaction, which has no timer yet, forever. A
    /// retransmission of the request opens a new transaction.
    void drop() { terminate(); }
    /// Frees the request (most of a transaction's memory), and the Via that responses built
    /// from it would carry, when only the response, or for an answered INVITE only the key that
    /// absorbs retransmissions, is needed.
    void release_request() {
        request_.reset();
        std::string().swap(response_via_);
    }

    /// The top Via of the request with received/rport added (RFC 3581), for responses.
    std::string_view response_via() const { return response_via_; }

    /// Something the TU may hang on the transaction (a proxy context id, say).
    std::uint64_t user_data = 0;

    // Table interface.
    virtual void on_retransmission() = 0;
    virtual void on_ack() {}

protected:
    ServerTransaction(TransactionTable& table, TxnId id, std::string key, sip::Message&& request,
                      const transport::Source& source);
    virtual void on_send(int status) = 0;
    void resend_last();
    /// Frees the last response once it is never resent (a 2xx to an INVITE is the TU's to
    /// retransmit, RFC 6026).
    void release_response() { std::string().swap(last_response_); }
    static const sip::Message& no_request();

    // On the heap so that releasing it frees its header table too, not only its bytes.
    std::unique_ptr<sip::Message> request_;
    bool invite_;
    transport::Source source_;
    transport::Destination reply_to_;  // where responses go (§18.2.2), fixed on arrival
    std::string response_via_;
    std::string last_response_;
    std::string local_tag_;
    int last_status_ = 0;
};

class ClientTransaction : public Transaction {
public:
    const transport::Destination& destination() const { return destination_; }
    ClientUser& user() const { return user_; }
    std::uint64_t token() const { return token_; }
    /// Status of the last response received, 0 before any.
    int last_status() const { return last_status_; }

    // Table interface.
    virtual void on_response(const sip::Message& response, const transport::Source& source) = 0;

protected:
    ClientTransaction(TransactionTable& table, TxnId id, std::string key, std::string bytes,
                      const transport::Destination& destination, ClientUser& user,
                      std::uint64_t token);
    /// Sends (or retransmits) the request; reports a transport error to the user on failure.
    bool transmit();
    void fail_transport();
    /// Frees the request's bytes once a final response means it is never sent again.
    void release_request() { std::string().swap(bytes_); }

    std::string bytes_;
    transport::Destination destination_;
    ClientUser& user_;
    std::uint64_t token_;
    int last_status_ = 0;
    Duration interval_{};  // current retransmission interval (Timers A and E)
};

}  // namespace sb::txn
