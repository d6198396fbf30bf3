#include "proxy/validation.h"

#include "base/strings.h"
#include "sip/header_values.h"
#include "sip/uri.h"

namespace sb::proxy {
namespace {

// Option tags this server supports when it is the UAS (a registrar keeps Path, RFC 3327).
constexpr std::string_view kSupported[] = {"path"};

std::optional<Rejection> unsupported(const sip::Message& request, sip::HeaderId id,
                                     bool proxy_side) {
    std::string unknown;
    for (const sip::HeaderField& h : request.headers()) {
        if (h.id != id) {
            continue;
        }
        sip::for_each_list_value(h.value, [&](std::string_view tag) {
            bool known = false;
            if (!proxy_side) {
                for (std::string_view s : kSupported) {
                    known |= iequals(s, tag);
                }
            }
            if (!known) {
                unknown += (unknown.empty() ? "" : ", ") + std::string(tag);
            }
            return true;
        });
    }
    if (unknown.empty()) {
        return std::nullopt;
    }
    return Rejection{420, {}, "Unsupported: " + unknown + "\r\n"};
}

}  // namespace

std::optional<Rejection> check_forwardable(const sip::Message& request) {
    auto uri = sip::parse_uri(request.request_uri());
    if (!uri || uri->scheme == sip::UriScheme::Other) {
        return Rejection{416, {}, {}};
    }
    if (request.max_forwards() == 0) {
        return Rejection{483, {}, {}};
    }
    return unsupported(request, sip::HeaderId::ProxyRequire, true);
}

std::optional<Rejection> check_require(const sip::Message& request) {
    return unsupported(request, sip::HeaderId::Require, false);
}

}  // namespace sb::proxy
