#pragma once

// Where a dialog's peer really is, carried in the user part of our Record-Route URIs (in the
// spirit of RFC 5626 flow tokens). A phone behind NAT puts an unreachable address in its
// Contact; requests later sent along the route set reach it at the address it actually used.

#include <optional>
#include <string>
#include <string_view>

#include "transport/api/source.h"

namespace sb::proxy {

/// "sbf" + transport letter + hex address + "-" + hex port: only URI user characters.
std::string encode_flow(const transport::Destination& to);
std::optional<transport::Destination> decode_flow(std::string_view user);

}  // namespace sb::proxy
