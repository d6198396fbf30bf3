#include "dialog/call.h"

namespace sb::dialog {

std::string_view to_string(CallState s) {
    switch (s) {
        case CallState::Trying: return "trying";
        case CallState::Ringing: return "ringing";
        case CallState::Answered: return "answered";
        case CallState::Ended: return "ended";
    }
    return "?";
}

std::string_view to_string(Outcome o) {
    switch (o) {
        case Outcome::None: return "none";
        case Outcome::Answered: return "answered";
        case Outcome::Declined: return "declined";
        case Outcome::Busy: return "busy";
        case Outcome::Cancelled: return "cancelled";
        case Outcome::NoAnswer: return "no answer";
        case Outcome::NotFound: return "not found";
        case Outcome::Unavailable: return "unavailable";
        case Outcome::Redirected: return "redirected";
        case Outcome::Failed: return "failed";
        case Outcome::Interrupted: return "interrupted";
    }
    return "?";
}

std::string_view to_string(Party p) {
    switch (p) {
        case Party::None: return "";
        case Party::Caller: return "caller";
        case Party::Callee: return "callee";
        case Party::Timeout: return "timeout";
    }
    return "?";
}

double Call::talk_seconds() const {
    if (answered_ms == 0 || ended_ms < answered_ms) {
        return 0;
    }
    return static_cast<double>(ended_ms - answered_ms) / 1000.0;
}

double Call::ring_seconds() const {
    if (ringing_ms == 0) {
        return 0;
    }
    std::int64_t stop = answered_ms != 0 ? answered_ms : ended_ms;
    return stop >= ringing_ms ? static_cast<double>(stop - ringing_ms) / 1000.0 : 0;
}

}  // namespace sb::dialog
