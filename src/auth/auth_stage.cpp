#include "auth/auth_stage.h"

#include "base/log.h"
#include "base/strings.h"
#include "sip/name_addr.h"
#include "sip/uri.h"

namespace sb::auth {
namespace {

std::shared_ptr<spdlog::logger> logger() {
    static auto l = log::get("auth");
    return l;
}

}  // namespace

AuthStage::AuthStage(const AuthConfig& config, NonceService& nonces, users::Directory& directory,
                     const proxy::LocalDomains& local, FailureHook on_failure)
    : config_(config),
      nonces_(nonces),
      directory_(directory),
      local_(local),
      on_failure_(std::move(on_failure)) {}

AuthMode AuthStage::mode_for(std::string_view domain) const {
    auto it = config_.domains.find(to_lower(domain));
    return it != config_.domains.end() ? it->second : config_.mode;
}

proxy::StageResult AuthStage::on_request(txn::ServerTransaction& st) {
    const sip::Message& req = st.request();
    const bool reg = req.method() == sip::Method::Register;
    if (req.method() == sip::Method::Ack || req.method() == sip::Method::Cancel ||
        (!reg && !req.to_tag().empty())) {
        return proxy::StageResult::Continue;  // CANCEL and in-dialog requests ride on the dialog
    }
    // Whose identity the request claims: the registered AOR, or the caller.
    auto who = sip::parse_name_addr(req.value(reg ? sip::HeaderId::To : sip::HeaderId::From));
    if (!who || !who->uri.is_sip() || !who->uri.has_user() || !local_.is_domain(who->uri.host)) {
        return proxy::StageResult::Continue;  // another domain's user: a call coming in
    }
    if (reg) {
        // A REGISTER for another domain is the proxy's business (refused unless relaying).
        auto ruri = sip::parse_uri(req.request_uri());
        if (!ruri || !ruri->is_sip() ||
            !(local_.is_self(ruri->host, ruri->port) || local_.is_domain(ruri->host))) {
            return proxy::StageResult::Continue;
        }
    }
    const std::string domain = to_lower(who->uri.host);
    const AuthMode mode = mode_for(domain);
    if (mode == AuthMode::Off) {
        return proxy::StageResult::Continue;
    }
    const std::string aor = sip::address_of_record(who->uri);
    auto found = directory_.find(aor);
    if (!found) {
        logger()->error("user database: {}", found.error().message);
        st.respond(500, st.phrase(500, "user database unavailable"));
        return proxy::StageResult::Done;
    }
    if (!found->has_value() || (*found)->ha1_md5.empty()) {
        if (mode == AuthMode::Required) {
            st.respond(403, st.phrase(403, found->has_value() ? "no password set" : "unknown user"));
            return proxy::StageResult::Done;
        }
        return proxy::StageResult::Continue;  // Users mode: an open name
    }
    if (!(*found)->enabled) {
        st.respond(403, st.phrase(403, "user disabled"));
        return proxy::StageResult::Done;
    }
    const std::string username = sip::unescape(who->uri.user);
    switch (verify(req, **found, username, domain, !reg)) {
        case Verdict::Ok:
            return proxy::StageResult::Continue;
        case Verdict::Stale:
            challenge(st, domain, !reg, true);
            return proxy::StageResult::Done;
        case Verdict::Wrong:
            logger()->warn("{} {}: failed authentication from {}", req.method_text(), aor,
                           st.source().remote.to_string());
            if (on_failure_) {
                on_failure_(st.source());
            }
            challenge(st, domain, !reg, false);
            return proxy::StageResult::Done;
        case Verdict::Missing:
            challenge(st, domain, !reg, false);
            return proxy::StageResult::Done;
    }
    return proxy::StageResult::Done;
}

AuthStage::Verdict AuthStage::verify(const sip::Message& req, const users::User& user,
                                     std::string_view username, std::string_view realm,
                                     bool proxy_side) {
    const sip::HeaderId id = proxy_side ? sip::HeaderId::ProxyAuthorization : sip::HeaderId::Authorization;
    for (const sip::HeaderField& h : req.headers()) {
        if (h.id != id) {
            continue;
        }
        auto c = parse_credentials(h.value);
        if (!c || !iequals(c->realm, realm)) {
            continue;  // credentials for another realm (a proxy further on)
        }
        if (c->username != username) {
            return Verdict::Wrong;  // someone else's credentials for this identity
        }
        switch (nonces_.check(c->nonce, realm)) {
            case NonceCheck::Invalid:
                return Verdict::Wrong;
            case NonceCheck::Stale:
                return Verdict::Stale;
            case NonceCheck::Valid:
                break;
        }
        if (c->qop.empty() && c->algorithm == Algorithm::Sha256) {
            return Verdict::Wrong;  // RFC 7616 has no SHA-256 without qop
        }
        const std::string& ha1 = c->algorithm == Algorithm::Sha256 ? user.ha1_sha256 : user.ha1_md5;
        if (ha1.empty() ||
            !equal_in_constant_time(expected_response(*c, ha1, req.method_text()), c->response)) {
            return Verdict::Wrong;
        }
        if (!c->qop.empty() && !nonces_.accept_count(c->nonce, c->nc)) {
            return Verdict::Wrong;  // a replayed nonce-count
        }
        return Verdict::Ok;
    }
    return Verdict::Missing;
}

void AuthStage::challenge(txn::ServerTransaction& st, std::string_view realm, bool proxy_side,
                          bool stale) {
    // RFC 8760 §2.4: several challenges, the preferred algorithm first; MD5 for older phones.
    std::string nonce = nonces_.issue(realm);
    std::string_view header = proxy_side ? "Proxy-Authenticate: " : "WWW-Authenticate: ";
    std::string extra;
    extra.append(header).append(auth::challenge(realm, nonce, Algorithm::Sha256, stale)).append("\r\n");
    extra.append(header).append(auth::challenge(realm, nonce, Algorithm::Md5, stale)).append("\r\n");
    st.respond(proxy_side ? 407 : 401, {}, extra);
}

}  // namespace sb::auth
