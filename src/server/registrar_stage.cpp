#include "server/registrar_stage.h"

#include "proxy/validation.h"
#include "sip/uri.h"

namespace sb::server {

proxy::StageResult RegistrarStage::on_request(txn::ServerTransaction& st) {
    const sip::Message& req = st.request();
    if (req.method() != sip::Method::Register) {
        return proxy::StageResult::Continue;
    }
    auto uri = sip::parse_uri(req.request_uri());
    if (!uri || !uri->is_sip() ||
        !(local_.is_self(uri->host, uri->port) || local_.is_domain(uri->host))) {
        return proxy::StageResult::Continue;
    }
    if (auto rejection = proxy::check_require(req)) {
        st.respond(rejection->status, rejection->reason, rejection->extra_headers);
        return proxy::StageResult::Done;
    }
    registrar_.handle(st);
    return proxy::StageResult::Done;
}

}  // namespace sb::server
