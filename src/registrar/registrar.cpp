#include "registrar/registrar.h"

#include <ctime>

#include "base/log.h"
#include "registrar/register_request.h"

namespace sb::registrar {
namespace {

std::shared_ptr<spdlog::logger> logger() {
    static auto l = log::get("registrar");
    return l;
}

}  // namespace

std::string http_date(std::int64_t unix_seconds) {
    std::time_t t = static_cast<std::time_t>(unix_seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return buf;
}

namespace {

void refuse(txn::ServerTransaction& st, const Reject& r) {
    std::string reason = !r.reason.empty() ? r.reason
                         : !r.detail.empty() ? st.phrase(r.status, r.detail)
                                             : std::string();
    st.respond(r.status, reason, r.extra_headers);
}

}  // namespace

Registrar::Registrar(const RegistrarConfig& config, location::LocationStore& store,
                     const Clock& clock)
    : config_(config), store_(store), clock_(clock) {}

void Registrar::handle(txn::ServerTransaction& st) {
    const sip::Message& msg = st.request();
    const transport::Source& src = st.source();
    std::string received =
        std::string(transport::lower_name(src.transport)) + ":" + src.remote.to_string();
    auto request = read_register(msg, config_, std::move(received));
    if (!request) {
        refuse(st, request.error());
        return;
    }
    const std::int64_t now = clock_.unix_seconds();
    std::string extra;
    std::vector<location::Binding> bindings;
    if (request->contacts.empty() && !request->wildcard) {
        // A query: list the current bindings, change nothing.
        auto current = store_.lookup(request->aor, now);
        if (!current) {
            logger()->error("{}: {}", request->aor, current.error().message);
            st.respond(500, st.phrase(500, "location store unavailable"));
            return;
        }
        bindings = std::move(*current);
    } else {
        std::optional<Reject> rejected;
        auto stored = store_.update(
            request->aor, now,
            [&](const std::vector<location::Binding>& current)
                -> Result<std::vector<location::Binding>> {
                auto next = apply_register(*request, current, config_, now);
                if (!next) {
                    rejected = next.error();
                    return fail(next.error().reason);
                }
                return std::move(*next);
            });
        if (rejected) {
            refuse(st, *rejected);
            return;
        }
        if (!stored) {
            logger()->error("REGISTER {}: {}", request->aor, stored.error().message);
            st.respond(500, st.phrase(500, "location store write failed"));
            return;
        }
        bindings = std::move(*stored);
    }
    extra = contact_lines(bindings, now);
    extra.append("Date: ").append(http_date(clock_.unix_seconds())).append("\r\n");
    // RFC 3327 §5.3: the registrar returns the Path it stored.
    for (const sip::HeaderField& h : msg.headers()) {
        if (h.id == sip::HeaderId::Path) {
            extra.append("Path: ").append(h.value).append("\r\n");
        }
    }
    st.respond(200, {}, extra);
}

}  // namespace sb::registrar
