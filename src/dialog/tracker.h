#pragma once

// Follows every INVITE dialog the proxy routes (one tracker per worker, like the calls it
// sees) and turns what the proxy observes into call states and events.

#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/string_map.h"
#include "dialog/events.h"
#include "proxy/api/call_observer.h"

namespace sb::dialog {

class Tracker final : public proxy::CallObserver {
public:
    Tracker(const Clock& clock, std::vector<CallEventSink*> sinks);

    // proxy::CallObserver
    void on_invite(const sip::Message& invite, const transport::Source& from) override;
    void on_branch(const sip::Message& invite, std::string_view target) override;
    void on_invite_response(const sip::Message& invite, int status, std::string_view reason,
                            std::string_view to_tag, std::string_view answered_by) override;
    void on_forwarded(const sip::Message& invite, std::string_view target,
                      std::string_view reason) override;
    void on_cancel(const sip::Message& invite) override;
    void on_in_dialog(const sip::Message& request, const transport::Source& from) override;
    void on_in_dialog_response(const sip::Message& response) override;

    /// Ends calls answered longer ago than `max_duration` (a phone vanished without a BYE).
    void expire(Duration max_duration);
    /// Ends every call still ringing or talking as interrupted (at shutdown).
    void interrupt_all();

    std::size_t active() const { return calls_.size(); }
    const Call* find(std::string_view call_id) const;

private:
    std::int64_t now_ms() const;
    void emit(CallEventKind kind, const Call& call);
    void end(StringMap<Call>::iterator it, Outcome outcome, Party by);

    const Clock& clock_;
    std::vector<CallEventSink*> sinks_;
    StringMap<Call> calls_;  // by Call-ID
};

/// The outcome a final non-2xx status means for a call.
Outcome outcome_of(int status, bool rang, bool cancelled);

}  // namespace sb::dialog
