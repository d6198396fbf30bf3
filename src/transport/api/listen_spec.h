#pragma once

#include <string_view>
#include <vector>

#include "base/result.h"
#include "transport/api/config.h"

namespace sb::transport {

/// Parses "[udp:|tcp:|tls:|ws:|wss:]HOST:PORT" (IPv6 hosts in brackets). Without a prefix the
/// spec means both UDP and TCP, so it yields two entries. A bare PORT means every address.
Result<std::vector<ListenSpec>> parse_listen(std::string_view text);

std::string to_string(const ListenSpec& spec);

}  // namespace sb::transport
