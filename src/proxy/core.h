#pragma once

// The proxy core of one worker (RFC 3261 §16): validates requests, runs the service stages,
// answers requests addressed to the server itself, routes the rest (loose routing, location
// service, Record-Route, loop detection) in the configured mode, and relays responses.

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/clock.h"
#include "dns/resolver.h"
#include "io/worker.h"
#include "location/api/store.h"
#include "proxy/api/call_observer.h"
#include "proxy/api/call_services.h"
#include "proxy/api/stage.h"
#include "proxy/api/user_directory.h"
#include "proxy/config.h"
#include "proxy/local_domains.h"
#include "proxy/response_context.h"
#include "proxy/route_plan.h"
#include "txn/table.h"

namespace sb::proxy {

class Core final : public txn::ServerUser, public txn::ClientUser {
public:
    struct Deps {
        const ProxyConfig& config;
        const LocalDomains& local;
        location::LocationStore& store;
        const UserDirectory& users;
        const Clock& clock;
        transport::Sender& sender;
        TimerQueue& timers;
        std::vector<RequestStage*> stages;
        CallObserver* observer = nullptr;
        std::string server_header;
        CallServices* services = nullptr;  // per-user forwarding, DND, blocking; none: plain
        dns::Resolver* resolver = nullptr;  // RFC 3263 for names; none: IP addresses only
        io::Worker* worker = nullptr;       // where DNS answers come back (this core's worker)
    };

    explicit Core(Deps deps);
    ~Core() override;
    /// The transaction table of this worker (it needs the core first, as its user).
    void attach(txn::TransactionTable& table) { table_ = &table; }

    /// Whether a request goes through a server transaction. In stateless mode only what the
    /// server answers itself does; everything else is relayed by on_stateless_request.
    bool wants_transaction(const sip::Message& request) const;
    void on_stateless_request(const sip::Message& request, const transport::Source& source);
    /// A response no client transaction matched: relayed by its Via (§16.7 step 10, §16.11).
    void on_unmatched_response(const sip::Message& response, const transport::Source& source);

    // txn::ServerUser
    void on_request(txn::ServerTransaction& st) override;
    void on_stray_ack(const sip::Message& ack, const transport::Source& source) override;
    void on_server_failure(txn::ServerTransaction& st) override;
    // txn::ClientUser
    void on_response(txn::ClientTransaction& ct, const sip::Message& response,
                     const transport::Source& source) override;
    void on_timeout(txn::ClientTransaction& ct) override;
    void on_transport_error(txn::ClientTransaction& ct) override;

    // For the response contexts.
    txn::TransactionTable& table() { return *table_; }
    TimerQueue& timers() { return deps_.timers; }
    const ProxyConfig& config() const { return deps_.config; }
    txn::TxnId start_branch(ResponseContext& ctx, ResponseContext::Branch& branch);
    /// Looks up the branch's target in DNS; the answer comes back through
    /// ResponseContext::on_resolved. False when there is no resolver.
    bool resolve_branch(ResponseContext& ctx, const ResponseContext::Branch& branch);
    void cancel_branch(txn::TxnId client, std::string_view reason);
    void observe_branch(ResponseContext& ctx, const ResponseContext::Branch& branch);
    void observe_response(ResponseContext& ctx, const sip::Message& response,
                          const ResponseContext::Branch& branch);
    void observe_local_response(ResponseContext& ctx, int status);
    void observe_relayed_final(ResponseContext& ctx, int status, std::string_view bytes);
    void observe_forwarded(ResponseContext& ctx, const Forward& forward);
    /// The targets of a forwarding rule: a local user's contacts, or a SIP URI. False when
    /// there are none (not registered, unreachable) or the user was already tried (a loop).
    bool forward_targets(const Forward& forward, std::vector<std::string>& visited,
                         std::vector<Target>& out);
    /// The Diversion header line (RFC 5806) of a call forwarded from `from_aor`.
    static std::string diversion_line(std::string_view from_aor, std::string_view reason);
    void after_timer(ResponseContext& ctx);
    /// Relays a response by its Via without a transaction (a 2xx that crossed a CANCEL).
    void relay_by_via(const sip::Message& response);
    /// The phrase relayed responses get ("" to keep theirs): the table's, when configured.
    std::string_view relayed_phrase(int status) const {
        const sip::PhraseTable& t = table_->phrases();
        return t.rewrite_relayed && t.has(status) ? t.phrase(status) : std::string_view{};
    }

    std::size_t context_count() const { return contexts_.size(); }

private:
    struct Route;  // where a request goes, decided by route()

    /// Counts nested entry points so finished contexts are freed only at the outermost one.
    class EventScope {
    public:
        explicit EventScope(Core& core) : core_(core) { ++core_.depth_; }
        ~EventScope();

    private:
        Core& core_;
    };

    void answer_self(txn::ServerTransaction& st);
    void handle_cancel(txn::ServerTransaction& st);
    bool loop_detected(const sip::Message& request) const;
    /// Eight hex digits of what stays the same when a request comes back to us unchanged.
    using LoopHash = std::array<char, 8>;
    static LoopHash loop_hash(const sip::Message& request);
    /// Decides the targets of a request, or answers it (404, 480, 403, 302...) and returns false.
    bool route(const sip::Message& request, RoutePlan& plan, std::vector<Target>& targets,
               txn::ServerTransaction* st, Fallbacks* fallbacks = nullptr);
    /// `top_via`: the request's top Via as it goes on (received/rport added; §18.2.1).
    std::string build_branch_request(const sip::Message& request, const transport::Source& source,
                                     std::string_view top_via, const RoutePlan& plan,
                                     const Target& target, std::string_view branch,
                                     transport::Destination& hop) const;
    const sip::Message* request_of(ResponseContext& ctx);
    void release_answered(ResponseContext& ctx);
    ResponseContext* context_of(std::uint64_t token, std::size_t& branch);
    void note_forward(const Forward& forward, std::string_view from_aor, std::vector<Target>& targets);

    Deps deps_;
    txn::TransactionTable* table_ = nullptr;
    std::uint64_t last_context_ = 0;
    std::unordered_map<std::uint64_t, std::unique_ptr<ResponseContext>> contexts_;
    std::unordered_map<std::uint64_t, RoutePlan> plans_;  // per context: Route edits to apply
    std::vector<std::uint64_t> touched_;  // contexts the current event reached
    std::vector<std::string> forwarded_now_;  // forwards decided while routing this request
    std::string forwarded_to_;
    int depth_ = 0;
};

}  // namespace sb::proxy
