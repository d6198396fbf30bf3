#pragma once

#include <optional>
#include <string>
#include <vector>

#include "transport/api/endpoint.h"

namespace sb::transport {

/// The local address the kernel would send from to reach `remote` (a connected UDP socket
/// tells, without sending anything). Cached per thread, so it costs a hash lookup after the
/// first call for a destination.
std::optional<Endpoint> route_source(const Endpoint& remote);

/// The addresses of this host's interfaces (without IPv6 link-local ones), for a certificate
/// that must name what a wildcard listener answers on.
std::vector<std::string> interface_addresses();

}  // namespace sb::transport
