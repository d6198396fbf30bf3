#pragma once

// What a callee asked the exchange to do with calls to it: refuse them (do not disturb, a
// blocked caller), answer with a redirect, or forward them always, when busy, when nobody
// answers, or when no phone is registered. The user database provides it; the proxy core
// applies it to initial INVITEs for local users.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sb::proxy {

struct Forward {
    std::string target;  // a local AOR or any SIP URI
    std::string reason;  // "always", "busy", "no-answer", "unavailable" (for the call log)
};

struct CalleePolicy {
    bool known = false;         // a user of this exchange: unregistered means 480, not 404
    int refuse_status = 0;      // answer this without ringing (486 do-not-disturb, 603 blocked)
    std::string refuse_detail;  // added to the reason phrase ("do not disturb")
    bool redirect = false;      // answer 302 with the contacts (or the forward target)
    std::optional<Forward> always;
    std::optional<Forward> on_busy;
    std::optional<Forward> on_no_answer;
    std::uint32_t no_answer_after = 0;  // seconds of ringing before on_no_answer applies
    std::optional<Forward> on_unavailable;
};

class CallServices {
public:
    virtual ~CallServices() = default;
    /// The policy for a call from `caller` to `callee` (both AORs). Called on a worker for
    /// every initial INVITE to a local user: must be cheap and must not block.
    virtual CalleePolicy policy(std::string_view caller, std::string_view callee) = 0;
};

}  // namespace sb::proxy
