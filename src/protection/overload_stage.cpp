#include "protection/overload_stage.h"

#include <fmt/format.h>

namespace sb::protection {

proxy::StageResult OverloadStage::on_request(txn::ServerTransaction& st) {
    const QueueDelayMonitor* load = QueueDelayMonitor::current();
    if (load == nullptr || !load->overloaded()) {
        return proxy::StageResult::Continue;
    }
    const sip::Message& req = st.request();
    if (req.method() == sip::Method::Ack || !req.to_tag().empty()) {
        return proxy::StageResult::Continue;  // inside a dialog: let what is set up finish
    }
    st.respond(503, st.phrase(503, "overloaded"),
               fmt::format("Retry-After: {}\r\n", config_.retry_after.count()));
    return proxy::StageResult::Done;
}

}  // namespace sb::protection
