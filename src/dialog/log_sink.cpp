#include "dialog/log_sink.h"

#include "base/log.h"

namespace sb::dialog {

void LogSink::on_call_event(const CallEvent& event) {
    static auto logger = log::get("calls");
    const Call& c = event.call;
    switch (event.kind) {
        case CallEventKind::Started:
            logger->info("{} calls {} (call_id={})", c.caller, c.callee, c.call_id);
            break;
        case CallEventKind::Ringing:
            logger->info("{} is ringing (call_id={})", c.callee, c.call_id);
            break;
        case CallEventKind::Answered:
            logger->info("{} answered at {} (call_id={})", c.callee, c.answered_by, c.call_id);
            break;
        case CallEventKind::Updated:
            logger->info("call {} updated: {} re-INVITE(s){}{}", c.call_id, c.reinvites,
                         c.transfer_to.empty() ? "" : ", transfer to ", c.transfer_to);
            break;
        case CallEventKind::Ended:
            logger->info("call {} → {} ended: {}{}{} after {:.1f} s (status {}, call_id={})", c.caller,
                         c.callee, to_string(c.outcome), c.ended_by == Party::None ? "" : " by ",
                         to_string(c.ended_by), c.talk_seconds(), c.final_status, c.call_id);
            break;
    }
}

}  // namespace sb::dialog
