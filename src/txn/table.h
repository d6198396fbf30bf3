#pragma once

// The transactions of one worker: matching of requests and responses to them (RFC 3261
// §17.1.3, §17.2.3, with the RFC 2543 fallback), creation, and deferred destruction.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/unordered/unordered_flat_map.hpp>

#include "base/timer_queue.h"
#include "sip/message.h"
#include "sip/phrase_table.h"
#include "transport/api/sender.h"
#include "txn/client_invite.h"
#include "txn/client_non_invite.h"
#include "txn/server_invite.h"
#include "txn/server_non_invite.h"
#include "txn/timers.h"
#include "txn/transaction_user.h"

namespace sb::txn {

class TransactionTable final {
public:
    TransactionTable(transport::Sender& sender, TimerQueue& timers, const TimerConfig& config,
                     ServerUser& server_user, std::uint32_t owner);
    ~TransactionTable();

    /// A request from the network: a retransmission is absorbed, an ACK is matched to its
    /// INVITE, anything else opens a server transaction and goes to the server user.
    void on_request(sip::Message&& request, const transport::Source& source);
    /// A response from the network. Returns false when no client transaction matches (RFC
    /// 3261 §16.7 then forwards it statelessly).
    bool on_response(const sip::Message& response, const transport::Source& source);

    /// Sends `bytes` (a whole request whose top Via carries `branch`) in a new client
    /// transaction. Returns nullptr when the bytes are not a request we can track.
    ClientTransaction* start_client(std::string bytes, const transport::Destination& to,
                                    ClientUser& user, std::uint64_t token);

    ServerTransaction* find_server(TxnId id);
    ClientTransaction* find_client(TxnId id);
    /// The INVITE server transaction a CANCEL refers to (RFC 3261 §9.2), or nullptr.
    ServerTransaction* find_invite_for(const sip::Message& cancel);

    /// A new branch for a request we send: the magic cookie, our owner id (so responses can be
    /// routed to this worker), and 64 random bits; with room for `more` bytes the caller
    /// appends.
    std::string new_branch(std::size_t more = 0) const;
    /// The owner id a branch of ours carries, or -1.
    static int owner_of_branch(std::string_view branch);

    /// The reason phrases (and Warning explanations) of generated responses; the RFC 3261
    /// phrases until set. The table must outlive the transaction table.
    void set_phrases(const sip::PhraseTable& phrases, std::string agent) {
        phrases_ = &phrases;
        agent_ = std::move(agent);
    }
    const sip::PhraseTable& phrases() const { return *phrases_; }
    const std::string& agent() const { return agent_; }

    std::size_t server_count() const { return servers_.size(); }
    std::size_t client_count() const { return clients_.size(); }

    // For the transactions.
    transport::Sender& sender() { return sender_; }
    TimerQueue& timers() { return timers_; }
    const TimerConfig& config() const { return config_; }
    ServerUser& server_user() { return server_user_; }
    /// Hands a terminated transaction back; it is freed at the start of the next event.
    void retire(Transaction& t);

private:
    static std::string server_key(const sip::Message& request, bool ack_as_invite);
    TxnId next_id() { return ++last_id_; }
    void reap();

    transport::Sender& sender_;
    TimerQueue& timers_;
    const TimerConfig& config_;
    ServerUser& server_user_;
    std::uint32_t owner_;
    TxnId last_id_ = 0;
    // Keyed by views of each transaction's own key: one copy of it, in the transaction.
    // Open addressing: a lookup that finds nothing (every new request) reads one group of
    // tags instead of a chain of nodes, and an insert allocates no node.
    template <class K, class V>
    using Map = boost::unordered_flat_map<K, V>;
    Map<std::string_view, std::unique_ptr<ServerTransaction>> servers_;
    Map<std::string_view, std::unique_ptr<ClientTransaction>> clients_;
    Map<TxnId, ServerTransaction*> servers_by_id_;
    Map<TxnId, ClientTransaction*> clients_by_id_;
    std::vector<std::unique_ptr<Transaction>> retired_;
    const sip::PhraseTable* phrases_;
    std::string agent_;
};

}  // namespace sb::txn
