#pragma once

// Which hosts are us: the configured domains (or any domain when none is configured) and the
// addresses we listen on.

#include <string>
#include <string_view>
#include <vector>

#include "transport/api/sender.h"

namespace sb::proxy {

class LocalDomains {
public:
    LocalDomains(std::vector<std::string> domains, const transport::Sender& sender);

    /// True when `host` (as in a URI, IPv6 in brackets) is one of our domains. With no domains
    /// configured every name is ours, but a foreign IP address is not.
    bool is_domain(std::string_view host) const;
    /// True when host:port names this server itself (one of our listening addresses, or a
    /// configured domain with no port or one of our ports).
    bool is_self(std::string_view host, std::uint16_t port) const;
    bool serves_any() const { return domains_.empty(); }

private:
    bool is_our_address(std::string_view host) const;

    std::vector<std::string> domains_;
    const transport::Sender& sender_;
};

}  // namespace sb::proxy
