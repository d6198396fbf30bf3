#pragma once

// One call attempt as the proxy saw it, from the INVITE to its end.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sb::dialog {

enum class CallState : std::uint8_t { Trying, Ringing, Answered, Ended };

enum class Outcome : std::uint8_t {
    None,         // still going
    Answered,     // talked (ended by BYE or by a timeout after the answer)
    Declined,     // 603 / 607
    Busy,         // 486 / 600
    Cancelled,    // the caller gave up (CANCEL → 487)
    NoAnswer,     // nobody answered in time (408, 480 after ringing, Timer C)
    NotFound,     // 404 / 604 / 484: no such user or unreachable by name
    Unavailable,  // 480 without ringing: the user is not registered
    Redirected,   // 3xx: the caller was told where to call instead (forwarded_to says where)
    Failed,       // any other final response (the code says which)
    Interrupted,  // the server stopped while the call was ringing or talking
};

enum class Party : std::uint8_t { None, Caller, Callee, Timeout };

std::string_view to_string(CallState s);
std::string_view to_string(Outcome o);
std::string_view to_string(Party p);

struct Call {
    std::string call_id;
    std::string caller;        // AOR of the From ("sip:alice@example.com")
    std::string caller_name;   // display name, unquoted
    std::string callee;        // AOR of the To
    std::string callee_name;
    std::string source;        // where the INVITE came from ("udp:192.0.2.1:5060")
    std::string from_tag;
    std::string to_tag;        // of the answered dialog
    std::int64_t invite_ms = 0;    // Unix milliseconds
    std::int64_t ringing_ms = 0;   // 0: never rang
    std::int64_t answered_ms = 0;  // 0: never answered
    std::int64_t ended_ms = 0;
    CallState state = CallState::Trying;
    Outcome outcome = Outcome::None;
    int final_status = 0;      // the final response the caller got (200 for answered calls)
    std::string final_reason;
    Party ended_by = Party::None;
    std::string answered_by;   // the contact that answered
    std::vector<std::string> branches;  // every contact the INVITE was forked to
    int reinvites = 0;
    std::string transfer_to;   // Refer-To of a REFER inside the call
    std::string referred_by;   // Referred-By of this INVITE (a transferred call)
    bool cancelled = false;    // the caller sent CANCEL
    std::string forwarded_to;  // where a forwarding rule sent the call, or ""
    std::string forward_reason;  // "always", "busy", "no-answer", "unavailable"
    std::string rtp_stats;     // media statistics from the relay (JSON), when it anchored the call

    /// Seconds between the answer and the end (0 when never answered).
    double talk_seconds() const;
    /// Seconds between the first ringing and the answer or the end.
    double ring_seconds() const;
};

}  // namespace sb::dialog
