#pragma once

// What the proxy tells services about INVITE dialogs as they happen. The dialog tracker turns
// these into call states; the call log, metrics and the dashboard listen to it.

#include <cstdint>
#include <string_view>

#include "sip/message.h"
#include "transport/api/source.h"

namespace sb::proxy {

/// Why a call attempt or a call ended, as seen by the proxy.
enum class EndCause : std::uint8_t {
    Bye,        // a BYE went through
    Cancel,     // the caller cancelled before an answer
    Rejected,   // a final non-2xx response (declined, busy, not found, ...)
    Timeout,    // no final response in time (Timer B / Timer C)
    NoAck,      // a failure response was never acknowledged
    Failed,     // the proxy could not route it (transport error, no target)
};

class CallObserver {
public:
    virtual ~CallObserver() = default;
    /// An initial INVITE (no To tag) arrived and will be routed.
    virtual void on_invite(const sip::Message& invite, const transport::Source& from) = 0;
    /// A branch of the INVITE was sent to `target`.
    virtual void on_branch(const sip::Message& invite, std::string_view target) = 0;
    /// A response to an initial INVITE is being relayed (or generated) upstream.
    virtual void on_invite_response(const sip::Message& invite, int status,
                                    std::string_view reason, std::string_view to_tag,
                                    std::string_view answered_by) = 0;
    /// A forwarding rule sent the call to `target` ("busy", "no-answer", ...).
    virtual void on_forwarded(const sip::Message& invite, std::string_view target,
                              std::string_view reason) = 0;
    /// The caller cancelled the INVITE.
    virtual void on_cancel(const sip::Message& invite) = 0;
    /// An in-dialog request went through (BYE, re-INVITE, REFER, ...).
    virtual void on_in_dialog(const sip::Message& request, const transport::Source& from) = 0;
    /// A response to an in-dialog request went through.
    virtual void on_in_dialog_response(const sip::Message& response) = 0;
};

}  // namespace sb::proxy
