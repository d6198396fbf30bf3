#include "transport/api/listen_spec.h"

#include "base/strings.h"

namespace sb::transport {

Result<std::vector<ListenSpec>> parse_listen(std::string_view text) {
    std::string_view rest = trim(text);
    std::vector<Transport> transports = {Transport::Udp, Transport::Tcp};
    if (std::size_t colon = rest.find(':'); colon != std::string_view::npos && colon > 0 &&
                                            rest.front() != '[') {
        if (auto t = parse_transport(rest.substr(0, colon))) {
            transports = {*t};
            rest.remove_prefix(colon + 1);
        }
    }
    std::string_view host;
    std::string_view port_text;
    if (!rest.empty() && rest.front() == '[') {
        std::size_t close = rest.find(']');
        if (close == std::string_view::npos || close + 1 >= rest.size() || rest[close + 1] != ':') {
            return fail("'" + std::string(text) + "': expected [IPv6]:PORT");
        }
        host = rest.substr(1, close - 1);
        port_text = rest.substr(close + 2);
    } else if (std::size_t colon = rest.rfind(':'); colon != std::string_view::npos) {
        host = rest.substr(0, colon);
        port_text = rest.substr(colon + 1);
        if (host.find(':') != std::string_view::npos) {
            return fail("'" + std::string(text) + "': put IPv6 addresses in brackets");
        }
    } else {
        port_text = rest;
    }
    auto port = parse_u32(port_text);
    if (!port || *port > 65535) {
        return fail("'" + std::string(text) + "': bad port '" + std::string(port_text) + "'");
    }
    std::vector<ListenSpec> out;
    std::vector<std::string> hosts;
    if (host.empty()) {
        hosts = {"0.0.0.0", "::"};
    } else {
        if (!Endpoint::from(host, 0)) {
            return fail("'" + std::string(text) + "': '" + std::string(host) +
                        "' is not an IP address");
        }
        hosts = {std::string(host)};
    }
    for (const auto& h : hosts) {
        for (Transport t : transports) {
            out.push_back(ListenSpec{t, h, static_cast<std::uint16_t>(*port)});
        }
    }
    return out;
}

std::string to_string(const ListenSpec& spec) {
    auto e = Endpoint::from(spec.host, spec.port);
    return std::string(lower_name(spec.transport)) + ":" + (e ? e->to_string() : spec.host);
}

}  // namespace sb::transport
