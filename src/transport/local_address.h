#pragma once

#include <optional>

#include "transport/api/endpoint.h"

namespace sb::transport {

/// The local address the kernel would send from to reach `remote` (a connected UDP socket
/// tells, without sending anything). Cached per thread, so it costs a hash lookup after the
/// first call for a destination.
std::optional<Endpoint> route_source(const Endpoint& remote);

}  // namespace sb::transport
