#pragma once

#include "dialog/call.h"

namespace sb::dialog {

enum class CallEventKind : std::uint8_t {
    Started,    // an INVITE arrived and is being routed
    Ringing,    // the first provisional above 100
    Answered,   // the first 2xx
    Updated,    // a re-INVITE (hold, video) or a REFER inside the call
    Ended,      // the call is over; `call.outcome` says how
};

std::string_view to_string(CallEventKind k);

struct CallEvent {
    CallEventKind kind;
    const Call& call;  // the state after the event; valid during the callback only
};

/// Receives call events. Called on the worker that owns the call: implementations that keep
/// state shared between workers must lock or hand the event to their own thread.
class CallEventSink {
public:
    virtual ~CallEventSink() = default;
    virtual void on_call_event(const CallEvent& event) = 0;
};

}  // namespace sb::dialog
