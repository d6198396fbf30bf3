#pragma once

// Where a URI sends a request (RFC 3263 reduced to what needs no DNS: an IP address, the
// transport parameter, the default port of the scheme).

#include <optional>

#include "sip/uri.h"
#include "transport/api/source.h"

namespace sb::proxy {

/// The destination for `uri`, or nullopt when its host is a name (DNS is not consulted here)
/// or the transport is one we cannot use.
std::optional<transport::Destination> resolve_literal(const sip::Uri& uri);

/// Parses "udp:192.0.2.1:5060" (how a binding records where it came from).
std::optional<transport::Destination> parse_received(std::string_view text);

}  // namespace sb::proxy
