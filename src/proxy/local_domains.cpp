#include "proxy/local_domains.h"

#include <ifaddrs.h>

#include <algorithm>

#include "base/strings.h"
#include "sip/uri.h"

namespace sb::proxy {
namespace {

// Addresses of this host's interfaces, for listeners bound to a wildcard.
std::vector<transport::Endpoint> interface_addresses() {
    std::vector<transport::Endpoint> out;
    ifaddrs* list = nullptr;
    if (getifaddrs(&list) != 0) {
        return out;
    }
    for (ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
        if (i->ifa_addr != nullptr &&
            (i->ifa_addr->sa_family == AF_INET || i->ifa_addr->sa_family == AF_INET6)) {
            out.push_back(transport::Endpoint::from_sockaddr(i->ifa_addr));
        }
    }
    freeifaddrs(list);
    return out;
}

}  // namespace

LocalDomains::LocalDomains(std::vector<std::string> domains, const transport::Sender& sender)
    : domains_(std::move(domains)), sender_(sender) {
    for (auto& d : domains_) {
        d = to_lower(d);
    }
}

bool LocalDomains::is_our_address(std::string_view host) const {
    auto ip = transport::Endpoint::from(host, 0);
    if (!ip) {
        return false;
    }
    static const std::vector<transport::Endpoint> interfaces = interface_addresses();
    const auto same = [&](const transport::Endpoint& e) { return e.same_address(*ip); };
    for (const transport::Listener& l : sender_.listeners()) {
        if (l.local.is_unspecified()) {
            if (l.local.is_v6() == ip->is_v6() &&
                std::any_of(interfaces.begin(), interfaces.end(), same)) {
                return true;
            }
        } else if (same(l.local)) {
            return true;
        }
    }
    return false;
}

bool LocalDomains::is_domain(std::string_view host) const {
    // RFC 7118 §5: WebSocket phones use ".invalid" names; they are never a domain of ours.
    if (host.size() >= 8 && iequals(host.substr(host.size() - 8), ".invalid")) {
        return false;
    }
    if (sip::is_ip_literal(host)) {
        if (is_our_address(host)) {
            return true;
        }
    }
    if (domains_.empty()) {
        return !sip::is_ip_literal(host);
    }
    return std::any_of(domains_.begin(), domains_.end(),
                       [&](const std::string& d) { return iequals(d, host); });
}

bool LocalDomains::is_self(std::string_view host, std::uint16_t port) const {
    bool port_ok = port == 0 || std::any_of(sender_.listeners().begin(), sender_.listeners().end(),
                                            [&](const transport::Listener& l) {
                                                return l.local.port() == port;
                                            });
    if (!port_ok) {
        return false;
    }
    if (is_our_address(host)) {
        return true;
    }
    return std::any_of(domains_.begin(), domains_.end(),
                       [&](const std::string& d) { return iequals(d, host); });
}

}  // namespace sb::proxy
