#pragma once

// Which port each listen spec binds when it asks for port 0.

#include <cstdint>
#include <vector>

#include "base/result.h"
#include "transport/api/config.h"

namespace sb::transport {

/// The port of each spec, in the order given. A spec with a port keeps it. On one host, UDP
/// and TCP specs on port 0 share a port free for both (so a phone that knows one finds the
/// other); TLS, WS and WSS specs on port 0 each get a TCP port of their own, since they cannot
/// share one with TCP or with each other. Fails naming the host without a free port.
Result<std::vector<std::uint16_t>> choose_ports(const std::vector<ListenSpec>& specs);

}  // namespace sb::transport
