#include "protection/rate_limit_stage.h"

#include <fmt/format.h>

namespace sb::protection {

proxy::StageResult RateLimitStage::on_request(txn::ServerTransaction& st) {
    if (st.request().method() == sip::Method::Ack) {
        return proxy::StageResult::Continue;  // cannot be answered; the core keeps it out anyway
    }
    const Admission a = guard_.admit(st.source().remote);
    switch (a.verdict) {
        case Admission::Verdict::Allow:
            return proxy::StageResult::Continue;
        case Admission::Verdict::Refuse:
            st.respond(503, st.phrase(503, "rate limit"),
                       fmt::format("Retry-After: {}\r\n", a.retry_after.count()));
            return proxy::StageResult::Done;
        case Admission::Verdict::Ban:
            st.drop();
            return proxy::StageResult::Done;
    }
    return proxy::StageResult::Continue;
}

}  // namespace sb::protection
