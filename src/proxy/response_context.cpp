#include "proxy/response_context.h"

#include <algorithm>

#include "proxy/core.h"
#include "proxy/forward.h"

namespace sb::proxy {
namespace {

constexpr std::string_view kCompletedElsewhere =
    "SIP;cause=200;text=\"Call completed elsewhere\"";

int response_class(int status) { return status / 100; }

// Within a class, some answers tell the caller more than others (§16.7 step 6 lets the proxy
// choose): a challenge, a specific refusal, then the generic "not reachable" kinds.
int rank_within_class(int status) {
    switch (status) {
        case 401:
        case 407: return 0;
        case 408: return 3;
        case 480: return 2;
        case 503: return 4;
        default: return 1;
    }
}

}  // namespace

bool better_response(int candidate, int best) {
    if (best == 0) {
        return true;
    }
    int cc = response_class(candidate);
    int bc = response_class(best);
    if (cc == 6 || bc == 6) {
        return cc == 6 && bc != 6;
    }
    if (cc != bc) {
        return cc < bc;
    }
    return rank_within_class(candidate) < rank_within_class(best);
}

void ResponseContext::Branch::on_timer(std::uint32_t) {
    timer_c = 0;
    context->on_timer_c(*this);
}

ResponseContext::ResponseContext(Core& core, std::uint64_t id, txn::ServerTransaction& st,
                                 std::vector<Target> targets)
    : core_(core), id_(id), server_(st.id()), invite_(st.is_invite()) {
    // q-value groups, highest first; equal q-values fork in parallel (§16.6).
    for (Target& t : targets) {
        if (groups_.empty() || groups_.back().front().q != t.q) {
            groups_.emplace_back();
        }
        groups_.back().push_back(std::move(t));
    }
    std::reverse(groups_.begin(), groups_.end());  // pop from the back
}

ResponseContext::~ResponseContext() {
    if (no_answer_timer_.id != 0) {
        core_.timers().cancel(no_answer_timer_.id);
    }
    for (auto& b : branches_) {
        if (b->timer_c != 0) {
            core_.timers().cancel(b->timer_c);
        }
    }
}

void ResponseContext::set_fallbacks(Fallbacks fallbacks) {
    fallbacks_ = std::move(fallbacks);
    if (fallbacks_.on_no_answer && fallbacks_.no_answer_after > 0) {
        no_answer_timer_.context = this;
        no_answer_timer_.id = core_.timers().schedule(std::chrono::seconds(fallbacks_.no_answer_after),
                                                      no_answer_timer_, 0);
    }
}

void ResponseContext::NoAnswerTimer::on_timer(std::uint32_t) {
    id = 0;
    ResponseContext& ctx = *context;
    if (!ctx.answered_ && !ctx.final_sent_ && !ctx.cancelled_ && ctx.fallbacks_.on_no_answer) {
        ctx.retarget(*ctx.fallbacks_.on_no_answer);
    }
    ctx.core_.after_timer(ctx);
}

bool ResponseContext::retarget(Forward forward) {
    std::vector<Target> targets;
    if (!core_.forward_targets(forward, fallbacks_.visited, targets)) {
        return false;
    }
    std::string diversion = Core::diversion_line(fallbacks_.original, forward.reason);
    for (Target& t : targets) {
        t.extra_headers += diversion;
    }
    // The callee's phones stop ringing; their answers no longer count.
    cancel_reason_.clear();
    for (auto& b : branches_) {
        if (b->done || b->abandoned) {
            continue;
        }
        b->abandoned = true;
        if (b->status > 100) {
            send_cancel(*b);
        } else {
            b->cancel_pending = true;
        }
    }
    fallbacks_.on_busy.reset();
    fallbacks_.on_no_answer.reset();
    if (no_answer_timer_.id != 0) {
        core_.timers().cancel(no_answer_timer_.id);
        no_answer_timer_.id = 0;
    }
    best_status_ = 0;
    best_response_.clear();
    core_.observe_forwarded(*this, forward);
    groups_.clear();
    groups_.push_back(std::move(targets));
    start();
    return true;
}

txn::ServerTransaction* ResponseContext::server() { return core_.table().find_server(server_); }

void ResponseContext::start() {
    if (groups_.empty()) {
        return;
    }
    std::vector<Target> group = std::move(groups_.back());
    groups_.pop_back();
    for (Target& t : group) {
        if (cancelled_ || final_sent_) {
            break;
        }
        start_branch(std::move(t));
    }
}

void ResponseContext::start_branch(Target target) {
    auto b = std::make_unique<Branch>();
    b->context = this;
    b->index = branches_.size();
    b->target = std::move(target);
    Branch& ref = *b;
    branches_.push_back(std::move(b));
    core_.observe_branch(*this, ref);
    if (!ref.target.resolve.empty()) {
        if (!core_.resolve_branch(*this, ref)) {
            ref.settled = true;
            branch_done(ref, 503, {});
        }
        return;  // sent once DNS answers
    }
    send_branch(ref);
}

void ResponseContext::send_branch(Branch& ref) {
    txn::TxnId client = core_.start_branch(*this, ref);
    if (client == 0 && !ref.done) {
        ref.settled = true;
        branch_done(ref, 480, {});  // could not even be sent
        return;
    }
    ref.client = client;
    if (invite_ && !ref.done) {
        arm_timer_c(ref);
    }
}

void ResponseContext::on_resolved(std::size_t index, dns::Resolution resolution) {
    if (index >= branches_.size()) {
        return;
    }
    Branch& b = *branches_[index];
    if (b.done || b.abandoned || cancelled_ || answered_) {
        b.settled = true;
        b.done = true;
        maybe_finish();
        return;
    }
    if (resolution.destinations.empty()) {
        b.settled = true;
        branch_done(b, 503, {});  // RFC 3263 §4.3: no server to try
        return;
    }
    // The first destination; RFC 3263 failover to the next on a transport error or 503 is
    // left to a later change.
    b.target.hop = resolution.destinations.front();
    b.target.resolve.clear();
    send_branch(b);
}

void ResponseContext::arm_timer_c(Branch& b) {
    if (b.timer_c != 0) {
        core_.timers().cancel(b.timer_c);
    }
    b.timer_c = core_.timers().schedule(core_.config().timer_c, b, 0);
}

void ResponseContext::on_timer_c(Branch& b) {
    // RFC 3261 §16.8: cancel a branch that rings too long; one that never answered counts as a
    // 408, and so does a cancelled one that never sends its final response (§9.1: 64*T1).
    if (!b.done) {
        if (b.cancelled || b.status <= 100) {
            branch_done(b, 408, {});
        } else {
            send_cancel(b);
        }
    }
    core_.after_timer(*this);
}

void ResponseContext::on_response(std::size_t index, const sip::Message& response) {
    if (index >= branches_.size()) {
        return;
    }
    Branch& b = *branches_[index];
    const int status = response.status();
    if (status >= 200) {
        b.settled = true;
    }
    if (status < 200) {
        if (b.cancel_pending) {
            // The CANCEL §9.1 held back until this branch rang; the ringing is not relayed.
            b.cancel_pending = false;
            b.cancelled = true;
            b.status = status;
            core_.cancel_branch(b.client, cancel_reason_);
            return;
        }
        if (status == 100 || b.done || b.abandoned) {
            return;  // 100 is hop by hop (§16.7 step 3)
        }
        b.status = status;
        if (invite_) {
            arm_timer_c(b);
        }
        if (!final_sent_ && !cancelled_) {
            std::string bytes;
            strip_top_via(bytes, response, core_.relayed_phrase(status));
            if (auto* st = server()) {
                core_.observe_response(*this, response, b);
                st->send_response(std::move(bytes), status);
            }
        }
        return;
    }
    if (status < 300) {
        // Every 2xx goes upstream at once, even several from different forks (§16.7 step 5).
        std::string bytes;
        strip_top_via(bytes, response, core_.relayed_phrase(status));
        bool first_answer = !answered_;
        if (final_sent_ && !answered_) {
            // The callee answered after the caller got a failure (a CANCEL crossed the 200):
            // relay it anyway so the caller can acknowledge it and hang up (§16.7 step 5).
            core_.relay_by_via(response);
        } else if (auto* st = server(); st != nullptr && (!final_sent_ || invite_)) {
            core_.observe_response(*this, response, b);
            st->send_response(std::move(bytes), status);
        }
        answered_ = true;
        final_sent_ = true;
        b.status = status;
        if (!b.done) {
            b.done = true;
            if (b.timer_c != 0) {
                core_.timers().cancel(b.timer_c);
                b.timer_c = 0;
            }
        }
        if (first_answer && invite_) {
            cancel_others(b, kCompletedElsewhere);
        }
        groups_.clear();
        return;
    }
    if (b.done) {
        return;
    }
    std::string bytes;
    strip_top_via(bytes, response, core_.relayed_phrase(status));
    branch_done(b, status, std::move(bytes));
}

void ResponseContext::on_branch_failure(std::size_t index, int status) {
    if (index >= branches_.size()) {
        return;
    }
    branches_[index]->settled = true;
    if (!branches_[index]->done) {
        branch_done(*branches_[index], status, {});
    }
}

void ResponseContext::branch_done(Branch& b, int status, std::string bytes) {
    b.done = true;
    b.status = status;
    if (b.timer_c != 0) {
        core_.timers().cancel(b.timer_c);
        b.timer_c = 0;
    }
    if (b.abandoned) {
        maybe_finish();
        return;
    }
    if (!answered_ && better_response(status, best_status_)) {
        best_status_ = status;
        best_response_ = std::move(bytes);
    }
    if (status >= 600 && invite_) {
        // A global failure ends the search (§16.7 step 5).
        cancel_others(b, {});
        groups_.clear();
    }
    maybe_finish();
}

void ResponseContext::maybe_finish() {
    for (const auto& b : branches_) {
        if (!b->done) {
            return;
        }
    }
    if (answered_ || final_sent_) {
        return;
    }
    if (!groups_.empty() && !cancelled_ && response_class(best_status_) != 6) {
        start();  // the next q-value group (serial forking)
        return;
    }
    if (!cancelled_) {
        // The callee's forwarding rules: busy, or nobody answered (a timeout or a 480).
        const bool busy = best_status_ == 486 || best_status_ == 600;
        const bool no_answer = best_status_ == 408 || best_status_ == 480 || best_status_ == 487;
        if (busy && fallbacks_.on_busy && retarget(*fallbacks_.on_busy)) {
            return;
        }
        if (no_answer && fallbacks_.on_no_answer && retarget(*fallbacks_.on_no_answer)) {
            return;
        }
    }
    send_best();
}

void ResponseContext::send_best() {
    final_sent_ = true;
    txn::ServerTransaction* st = server();
    if (st == nullptr) {
        return;
    }
    int status = best_status_ == 0 ? 480 : best_status_;
    if (status == 503 || best_response_.empty()) {
        // A 503 received is not relayed: it would make the caller avoid this proxy (§16.7
        // step 6). Our own 503 (no server found for a name) is ours to send.
        if (status == 503 && !best_response_.empty()) {
            status = 500;
        }
        core_.observe_local_response(*this, status);
        st->respond(status);
        return;
    }
    core_.observe_relayed_final(*this, status, best_response_);
    st->send_response(std::move(best_response_), status);
}

void ResponseContext::send_cancel(Branch& b) {
    if (b.cancelled || b.done) {
        return;
    }
    b.cancel_pending = false;
    b.cancelled = true;
    core_.cancel_branch(b.client, cancel_reason_);
    if (b.timer_c != 0) {
        core_.timers().cancel(b.timer_c);
    }
    b.timer_c = core_.timers().schedule(core_.table().config().timer_b(), b, 0);
}

void ResponseContext::cancel_others(const Branch& except, std::string_view reason) {
    cancel_reason_ = std::string(reason);
    for (auto& b : branches_) {
        if (b.get() == &except || b->done) {
            continue;
        }
        if (b->status > 100) {
            send_cancel(*b);
        } else {
            b->cancel_pending = true;  // §9.1: wait for a provisional before cancelling
        }
    }
}

void ResponseContext::cancel(std::string_view reason) {
    cancelled_ = true;
    groups_.clear();
    cancel_reason_ = std::string(reason);
    for (auto& b : branches_) {
        if (b->done) {
            continue;
        }
        if (b->status > 100) {
            send_cancel(*b);  // its 487 (or a crossing answer) ends it
        } else {
            // Nothing rang yet: the CANCEL waits for a provisional (§9.1), the caller does not.
            b->cancel_pending = true;
            branch_done(*b, 487, {});
        }
    }
}

bool ResponseContext::finished() const {
    if (!final_sent_) {
        return false;
    }
    // A branch whose CANCEL waits for a provisional still needs this context to send it.
    for (const auto& b : branches_) {
        if (!b->done || (b->cancel_pending && !b->settled)) {
            return false;
        }
    }
    return true;
}

}  // namespace sb::proxy
