#pragma once

// What a stateful proxy keeps for one forwarded request (RFC 3261 §16.7): its branches (one
// client transaction per target, forked in parallel within a q-value group and serially across
// groups), the best final response so far, Timer C for INVITE branches (§16.8), and CANCEL of
// pending branches (§16.10).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/timer_queue.h"
#include "dns/resolver.h"
#include "proxy/api/call_services.h"
#include "proxy/targets.h"
#include "txn/transaction.h"

namespace sb::proxy {

class Core;

/// Where a call goes when its callee does not take it (the callee's forwarding rules).
struct Fallbacks {
    std::optional<Forward> on_busy;
    std::optional<Forward> on_no_answer;
    std::uint32_t no_answer_after = 0;  // seconds of ringing before on_no_answer applies
    std::vector<std::string> visited;   // AORs already tried, to stop forwarding loops
    std::string original;               // the callee whose rules these are (for Diversion)
};

class ResponseContext {
public:
    struct Branch final : TimerTarget {
        ResponseContext* context = nullptr;
        std::size_t index = 0;
        Target target;
        txn::TxnId client = 0;
        int status = 0;             // last status received (or synthesised), 0 before any
        bool done = false;          // its result is known (a final response, or synthesised)
        bool settled = false;       // its client transaction has ended: nothing more will come
        bool cancel_pending = false;  // cancel as soon as a provisional arrives
        bool cancelled = false;     // a CANCEL was sent
        bool abandoned = false;     // forwarded away from: its result no longer counts
        TimerId timer_c = 0;
        void on_timer(std::uint32_t tag) override;
    };

    ResponseContext(Core& core, std::uint64_t id, txn::ServerTransaction& st,
                    std::vector<Target> targets);
    ~ResponseContext();

    std::uint64_t id() const { return id_; }
    txn::TxnId server_id() const { return server_; }
    bool is_invite() const { return invite_; }
    /// Starts the first q-value group.
    void start();
    /// Forwarding rules to apply if the targets do not take the call.
    void set_fallbacks(Fallbacks fallbacks);
    /// A response from a branch's client transaction.
    void on_response(std::size_t branch, const sip::Message& response);
    /// The DNS answer for a branch whose target was a name: send it, or fail it (503).
    void on_resolved(std::size_t branch, dns::Resolution resolution);
    /// A branch ended without a response (timeout or transport error): a synthetic status.
    void on_branch_failure(std::size_t branch, int status);
    /// The caller cancelled (§16.10): cancel every pending branch, start no new one.
    void cancel(std::string_view reason);
    /// True once the final response went upstream and no branch is pending.
    bool finished() const;

private:
    void start_branch(Target target);
    void send_branch(Branch& b);
    void send_cancel(Branch& b);
    void cancel_others(const Branch& except, std::string_view reason);
    void branch_done(Branch& b, int status, std::string bytes);
    void maybe_finish();
    void send_best();
    void arm_timer_c(Branch& b);
    void on_timer_c(Branch& b);
    txn::ServerTransaction* server();
    /// Sends the call to a forwarding target instead; false when the target is unreachable.
    bool retarget(Forward forward);  // by value: it usually comes from fallbacks_, which it resets
    struct NoAnswerTimer final : TimerTarget {
        ResponseContext* context = nullptr;
        TimerId id = 0;
        void on_timer(std::uint32_t tag) override;
    };

    Core& core_;
    std::uint64_t id_;
    txn::TxnId server_;
    bool invite_;
    std::vector<std::vector<Target>> groups_;  // q-value groups not started yet
    std::vector<std::unique_ptr<Branch>> branches_;
    int best_status_ = 0;
    std::string best_response_;  // our Via removed; empty for a synthesised status
    bool answered_ = false;      // a 2xx went upstream
    bool final_sent_ = false;
    bool cancelled_ = false;
    std::string cancel_reason_;  // Reason header value for the CANCELs we send
    Fallbacks fallbacks_;
    NoAnswerTimer no_answer_timer_;
};

/// RFC 3261 §16.7 step 6: whether `candidate` beats `best` (6xx first, then the lowest class,
/// preferring 401/407 and specific 4xx answers over 408 and 480).
bool better_response(int candidate, int best);

}  // namespace sb::proxy
