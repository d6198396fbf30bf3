#include "dialog/tracker.h"

#include "sip/name_addr.h"
#include "sip/params.h"
#include "sip/uri.h"

namespace sb::dialog {
namespace {

void read_party(std::string_view value, std::string& aor, std::string& name) {
    auto na = sip::parse_name_addr(value);
    if (!na) {
        return;
    }
    aor = na->uri.is_sip() ? sip::address_of_record(na->uri) : std::string(na->uri.text);
    name = std::string(sip::unquote(na->display_name));
}

}  // namespace

std::string_view to_string(CallEventKind k) {
    switch (k) {
        case CallEventKind::Started: return "started";
        case CallEventKind::Ringing: return "ringing";
        case CallEventKind::Answered: return "answered";
        case CallEventKind::Updated: return "updated";
        case CallEventKind::Ended: return "ended";
    }
    return "?";
}

Outcome outcome_of(int status, bool rang, bool cancelled) {
    switch (status) {
        case 487: return cancelled ? Outcome::Cancelled : Outcome::NoAnswer;
        case 486:
        case 600: return Outcome::Busy;
        case 603:
        case 607: return Outcome::Declined;
        case 404:
        case 410:
        case 484:
        case 604: return Outcome::NotFound;
        case 480: return rang ? Outcome::NoAnswer : Outcome::Unavailable;
        case 408: return Outcome::NoAnswer;
        default:
            if (status >= 300 && status < 400) {
                return Outcome::Redirected;
            }
            return cancelled ? Outcome::Cancelled : Outcome::Failed;
    }
}

Tracker::Tracker(const Clock& clock, std::vector<CallEventSink*> sinks)
    : clock_(clock), sinks_(std::move(sinks)) {}

std::int64_t Tracker::now_ms() const { return clock_.unix_millis(); }

void Tracker::emit(CallEventKind kind, const Call& call) {
    CallEvent event{kind, call};
    for (CallEventSink* sink : sinks_) {
        sink->on_call_event(event);
    }
}

const Call* Tracker::find(std::string_view call_id) const {
    auto it = calls_.find(call_id);
    return it == calls_.end() ? nullptr : &it->second;
}

void Tracker::on_invite(const sip::Message& invite, const transport::Source& from) {
    if (calls_.find(invite.call_id()) != calls_.end()) {
        return;  // the same call retried (after a challenge, say): keep the first record
    }
    Call call;
    call.call_id = std::string(invite.call_id());
    read_party(invite.value(sip::HeaderId::From), call.caller, call.caller_name);
    read_party(invite.value(sip::HeaderId::To), call.callee, call.callee_name);
    call.source = std::string(transport::lower_name(from.transport)) + ":" + from.remote.to_string();
    call.from_tag = std::string(invite.from_tag());
    call.invite_ms = now_ms();
    if (const sip::HeaderField* rb = invite.first(sip::HeaderId::ReferredBy)) {
        call.referred_by = std::string(rb->value);
    }
    auto [it, inserted] = calls_.emplace(call.call_id, std::move(call));  // key copied first
    emit(CallEventKind::Started, it->second);
}

void Tracker::on_branch(const sip::Message& invite, std::string_view target) {
    auto it = calls_.find(invite.call_id());
    if (it != calls_.end() && !target.empty()) {
        it->second.branches.emplace_back(target);
    }
}

void Tracker::on_invite_response(const sip::Message& invite, int status, std::string_view reason,
                                 std::string_view to_tag, std::string_view answered_by) {
    auto it = calls_.find(invite.call_id());
    if (it == calls_.end()) {
        return;
    }
    Call& call = it->second;
    if (status < 200) {
        if (status > 100 && call.state == CallState::Trying) {
            call.state = CallState::Ringing;
            call.ringing_ms = now_ms();
            emit(CallEventKind::Ringing, call);
        }
        return;
    }
    if (status < 300) {
        if (call.state != CallState::Answered) {
            call.state = CallState::Answered;
            call.answered_ms = now_ms();
            call.to_tag = std::string(to_tag);
            call.answered_by = std::string(answered_by);
            call.final_status = status;
            call.final_reason = std::string(reason);
            emit(CallEventKind::Answered, call);
        }
        return;
    }
    if (call.state == CallState::Answered) {
        return;  // a failure from another fork after the answer is not the caller's result
    }
    if (status == 401 || status == 407) {
        calls_.erase(it);  // a challenge: the caller will retry with credentials
        return;
    }
    call.final_status = status;
    call.final_reason = std::string(reason);
    Outcome outcome = outcome_of(status, call.ringing_ms != 0, call.cancelled);
    Party by = Party::None;
    if (outcome == Outcome::Cancelled) {
        by = Party::Caller;
    } else if (outcome == Outcome::Busy || outcome == Outcome::Declined) {
        by = Party::Callee;
    } else if (outcome == Outcome::NoAnswer) {
        by = Party::Timeout;
    }
    end(it, outcome, by);
}

void Tracker::on_forwarded(const sip::Message& invite, std::string_view target,
                           std::string_view reason) {
    auto it = calls_.find(invite.call_id());
    if (it != calls_.end()) {
        it->second.forwarded_to = std::string(target);
        it->second.forward_reason = std::string(reason);
        emit(CallEventKind::Updated, it->second);
    }
}

void Tracker::on_cancel(const sip::Message& invite) {
    auto it = calls_.find(invite.call_id());
    if (it != calls_.end()) {
        it->second.cancelled = true;
    }
}

void Tracker::on_in_dialog(const sip::Message& request, const transport::Source&) {
    auto it = calls_.find(request.call_id());
    if (it == calls_.end()) {
        return;
    }
    Call& call = it->second;
    switch (request.method()) {
        case sip::Method::Bye: {
            call.final_status = call.final_status == 0 ? 200 : call.final_status;
            Party by = request.from_tag() == call.from_tag ? Party::Caller : Party::Callee;
            end(it, call.state == CallState::Answered ? Outcome::Answered : Outcome::Cancelled, by);
            break;
        }
        case sip::Method::Invite:
            ++call.reinvites;
            emit(CallEventKind::Updated, call);
            break;
        case sip::Method::Refer:
            call.transfer_to = std::string(request.value(sip::HeaderId::ReferTo));
            emit(CallEventKind::Updated, call);
            break;
        default:
            break;
    }
}

void Tracker::on_in_dialog_response(const sip::Message&) {}

void Tracker::end(StringMap<Call>::iterator it, Outcome outcome, Party by) {
    Call& call = it->second;
    call.state = CallState::Ended;
    call.outcome = outcome;
    call.ended_by = by;
    call.ended_ms = now_ms();
    emit(CallEventKind::Ended, call);
    calls_.erase(it);
}

void Tracker::expire(Duration max_duration) {
    const std::int64_t now = now_ms();
    const auto max_ms = std::chrono::duration_cast<std::chrono::milliseconds>(max_duration).count();
    // Unanswered calls end by Timer C and Timer B long before this; one still here lost its
    // final response.
    const std::int64_t max_unanswered_ms = 15 * 60 * 1000;
    for (auto it = calls_.begin(); it != calls_.end();) {
        auto next = std::next(it);
        const Call& c = it->second;
        if (c.state == CallState::Answered && now - c.answered_ms > max_ms) {
            end(it, Outcome::Answered, Party::Timeout);
        } else if (c.state != CallState::Answered && now - c.invite_ms > max_unanswered_ms) {
            end(it, Outcome::NoAnswer, Party::Timeout);
        }
        it = next;
    }
}

void Tracker::interrupt_all() {
    while (!calls_.empty()) {
        end(calls_.begin(), Outcome::Interrupted, Party::None);
    }
}

}  // namespace sb::dialog
