#pragma once

#include "dialog/events.h"

namespace sb::dialog {

/// Writes one readable line per call event to the "calls" logger.
class LogSink final : public CallEventSink {
public:
    void on_call_event(const CallEvent& event) override;
};

}  // namespace sb::dialog
