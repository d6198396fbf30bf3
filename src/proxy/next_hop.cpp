#include "proxy/next_hop.h"

#include "base/strings.h"

namespace sb::proxy {

std::optional<transport::Destination> resolve_literal(const sip::Uri& uri) {
    if (!uri.is_sip()) {
        return std::nullopt;
    }
    transport::Destination d;
    d.transport = uri.scheme == sip::UriScheme::Sips ? transport::Transport::Tls
                                                    : transport::Transport::Udp;
    if (auto t = uri.param("transport")) {
        auto parsed = transport::parse_transport(*t);
        if (!parsed) {
            return std::nullopt;
        }
        d.transport = *parsed;
    }
    std::string_view host = uri.param("maddr").value_or(uri.host);
    std::uint16_t port = uri.port;
    if (port == 0) {
        port = transport::is_secure(d.transport) ? 5061 : 5060;
    }
    auto ep = transport::Endpoint::from(host, port);
    if (!ep) {
        return std::nullopt;
    }
    d.remote = *ep;
    return d;
}

std::optional<transport::Destination> parse_received(std::string_view text) {
    std::size_t colon = text.find(':');
    if (colon == std::string_view::npos) {
        return std::nullopt;
    }
    auto t = transport::parse_transport(text.substr(0, colon));
    std::string_view rest = text.substr(colon + 1);
    std::size_t port_sep = rest.rfind(':');
    if (!t || port_sep == std::string_view::npos) {
        return std::nullopt;
    }
    auto port = parse_u32(rest.substr(port_sep + 1));
    auto ep = transport::Endpoint::from(rest.substr(0, port_sep), port ? static_cast<std::uint16_t>(*port) : 0);
    if (!port || *port > 65535 || !ep) {
        return std::nullopt;
    }
    return transport::Destination{*t, *ep, 0, transport::kAnyListener};
}

}  // namespace sb::proxy
