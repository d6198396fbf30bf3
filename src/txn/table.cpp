#include "txn/table.h"

#include <algorithm>
#include <charconv>
#include <random>

#include <fmt/format.h>

#include "base/strings.h"

namespace sb::txn {
namespace {
const sip::PhraseTable kRfcPhrases;
}

TransactionTable::TransactionTable(transport::Sender& sender, TimerQueue& timers,
                                   const TimerConfig& config, ServerUser& server_user,
                                   std::uint32_t owner)
    : sender_(sender),
      timers_(timers),
      config_(config),
      server_user_(server_user),
      owner_(owner),
      phrases_(&kRfcPhrases) {}

TransactionTable::~TransactionTable() = default;

std::string TransactionTable::server_key(const sip::Message& request, bool ack_as_invite) {
    // RFC 3261 §17.2.3: branch, sent-by and method (an ACK matches its INVITE). Without the
    // magic cookie, fall back to RFC 2543 matching on the dialog and CSeq identifiers.
    std::string_view method = request.method_text();
    if (ack_as_invite && (request.method() == sip::Method::Ack || request.method() == sip::Method::Cancel)) {
        method = "INVITE";
    }
    const sip::Via& via = request.top_via();
    std::string key;
    if (via.rfc3261_branch()) {
        key.reserve(via.branch.size() + via.host.size() + method.size() + 10);
        key.append(via.branch).append("|").append(to_lower(via.host));
        fmt::format_to(std::back_inserter(key), ":{}|", via.port);
    } else {
        fmt::format_to(std::back_inserter(key), "2543|{}|{}|{}|{}|", request.call_id(),
                       request.cseq().number, request.from_tag(), via.text);
    }
    key.append(method);
    return key;
}

void TransactionTable::on_request(sip::Message&& request, const transport::Source& source) {
    reap();
    if (request.method() == sip::Method::Ack) {
        auto it = servers_.find(server_key(request, true));
        if (it != servers_.end() && it->second->is_invite()) {
            ServerTransaction& st = *it->second;
            if (st.state() == State::Completed) {
                st.on_ack();
                return;
            }
            if (st.state() == State::Confirmed) {
                return;  // a retransmitted ACK
            }
        }
        // An ACK for a 2xx is its own transaction-less request (RFC 3261 §17.2.3, RFC 6026).
        server_user_.on_stray_ack(request, source);
        return;
    }
    std::string key = server_key(request, false);
    if (auto it = servers_.find(key); it != servers_.end()) {
        it->second->on_retransmission();
        return;
    }
    TxnId id = next_id();
    std::unique_ptr<ServerTransaction> st;
    if (request.method() == sip::Method::Invite) {
        st = std::make_unique<ServerInvite>(*this, id, std::move(key), std::move(request), source);
    } else {
        st = std::make_unique<ServerNonInvite>(*this, id, std::move(key), std::move(request),
                                               source);
    }
    ServerTransaction& ref = *st;
    servers_.emplace(ref.key(), std::move(st));
    servers_by_id_.emplace(id, &ref);
    server_user_.on_request(ref);
}

bool TransactionTable::on_response(const sip::Message& response, const transport::Source& source) {
    reap();
    // The key is "branch|method", as start_client made it; on the stack when it fits, so a
    // response costs no allocation to match.
    std::string_view branch = response.top_via().branch;
    std::string_view method = response.cseq().method_text;
    char room[128];
    std::string spill;
    std::string_view key;
    if (branch.size() + 1 + method.size() <= sizeof room) {
        char* end = std::copy(branch.begin(), branch.end(), room);
        *end++ = '|';
        end = std::copy(method.begin(), method.end(), end);
        key = std::string_view(room, static_cast<std::size_t>(end - room));
    } else {
        spill.append(branch).append("|").append(method);
        key = spill;
    }
    auto it = clients_.find(key);
    if (it == clients_.end()) {
        return false;
    }
    it->second->on_response(response, source);
    return true;
}

ClientTransaction* TransactionTable::start_client(std::string bytes,
                                                  const transport::Destination& to,
                                                  ClientUser& user, std::uint64_t token) {
    // The start line and the top Via branch are all a client transaction reads of its
    // request; an INVITE's parses its bytes again in the rare case it builds an ACK or CANCEL.
    std::string_view view(bytes);
    std::size_t sp = view.find(' ');
    if (sp == std::string_view::npos) {
        return nullptr;
    }
    std::string_view method = view.substr(0, sp);
    std::size_t b = view.find(";branch=");
    if (b == std::string_view::npos) {
        return nullptr;
    }
    std::string_view rest = view.substr(b + 8);
    std::string_view branch = rest.substr(0, rest.find_first_of(";,\r\n "));
    std::string key;
    key.reserve(branch.size() + 1 + method.size());
    key.append(branch).append("|").append(method);
    if (clients_.count(key) != 0) {
        return nullptr;
    }
    TxnId id = next_id();
    if (method == "INVITE") {
        auto ct = std::make_unique<ClientInvite>(*this, id, std::move(key), std::move(bytes), to,
                                                 user, token);
        ClientInvite& ref = *ct;
        clients_.emplace(ref.key(), std::move(ct));
        clients_by_id_.emplace(id, &ref);
        ref.start();
        return &ref;
    }
    if (method == "ACK") {
        return nullptr;  // an ACK never opens a transaction: send it directly
    }
    auto ct = std::make_unique<ClientNonInvite>(*this, id, std::move(key), std::move(bytes), to,
                                                user, token);
    ClientNonInvite& ref = *ct;
    clients_.emplace(ref.key(), std::move(ct));
    clients_by_id_.emplace(id, &ref);
    ref.start();
    return &ref;
}

ServerTransaction* TransactionTable::find_server(TxnId id) {
    auto it = servers_by_id_.find(id);
    return it == servers_by_id_.end() ? nullptr : it->second;
}

ClientTransaction* TransactionTable::find_client(TxnId id) {
    auto it = clients_by_id_.find(id);
    return it == clients_by_id_.end() ? nullptr : it->second;
}

ServerTransaction* TransactionTable::find_invite_for(const sip::Message& cancel) {
    auto it = servers_.find(server_key(cancel, true));
    if (it == servers_.end() || !it->second->is_invite() || it->second->terminated()) {
        return nullptr;
    }
    return it->second.get();
}

std::string TransactionTable::new_branch(std::size_t more) const {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    std::string branch;
    branch.reserve(sip::kBranchCookie.size() + 4 + 1 + 16 + more);
    fmt::format_to(std::back_inserter(branch), "{}{:x}x{:016x}", sip::kBranchCookie, owner_, rng());
    return branch;
}

int TransactionTable::owner_of_branch(std::string_view branch) {
    if (!branch.starts_with(sip::kBranchCookie)) {
        return -1;
    }
    branch.remove_prefix(sip::kBranchCookie.size());
    std::size_t x = branch.find('x');
    if (x == std::string_view::npos || x == 0 || x > 4) {
        return -1;
    }
    unsigned owner = 0;
    auto [end, ec] = std::from_chars(branch.data(), branch.data() + x, owner, 16);
    if (ec != std::errc() || end != branch.data() + x) {
        return -1;
    }
    return static_cast<int>(owner);
}

void TransactionTable::retire(Transaction& t) {
    if (auto it = servers_.find(t.key()); it != servers_.end() && it->second.get() == &t) {
        servers_by_id_.erase(t.id());
        retired_.push_back(std::move(it->second));
        servers_.erase(it);
    } else if (auto c = clients_.find(t.key()); c != clients_.end() && c->second.get() == &t) {
        clients_by_id_.erase(t.id());
        retired_.push_back(std::move(c->second));
        clients_.erase(c);
    }
    // Freed at the next event this table handles (not by a timer: re-arming the worker's
    // timer for every ended transaction cost more than the memory held meanwhile).
}

void TransactionTable::reap() {
    // Swap first: a destructor must never run while retired_ is being cleared.
    std::vector<std::unique_ptr<Transaction>> done;
    done.swap(retired_);
}

}  // namespace sb::txn
