#include "protection/scanner_stage.h"

#include "base/log.h"

namespace sb::protection {
namespace {

std::shared_ptr<spdlog::logger> logger() {
    static auto l = log::get("protection");
    return l;
}

}  // namespace

proxy::StageResult ScannerStage::on_request(txn::ServerTransaction& st) {
    if (matcher_.empty()) {
        return proxy::StageResult::Continue;
    }
    const sip::Message& req = st.request();
    std::string_view found;
    for (const sip::HeaderField& h : req.headers()) {
        if (h.id == sip::HeaderId::UserAgent) {
            found = matcher_.match(h.value);
            if (!found.empty()) {
                break;
            }
        }
    }
    // Whitelisted sources are trusted with anything, an admin's own audit with a scanner too.
    if (found.empty() || guard_.whitelisted(st.source().remote)) {
        return proxy::StageResult::Continue;
    }
    const Strike strike = guard_.scanner_hit(st.source().remote);
    if (strike.first) {
        // One line per series from a source, not one per request: scanners send thousands.
        logger()->info("{} from {}: scanner user agent \"{}\", {}", req.method_text(),
                       st.source().remote.ip(), found,
                       action_ == ScannerAction::Drop ? "dropped" : "answered 403");
    }
    if (action_ == ScannerAction::Drop) {
        st.drop();
    } else {
        st.respond(403);
    }
    return proxy::StageResult::Done;
}

}  // namespace sb::protection
