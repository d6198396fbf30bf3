#pragma once

// Address types of the c=, o= and a=rtcp lines (RFC 8866 §5.7: addrtype is "IP4" or "IP6" for
// the "IN" network type; other values are allowed and kept opaque).

#include <cstdint>
#include <string_view>

namespace sb::sdp {

enum class AddressType : std::uint8_t { Ip4, Ip6, Other };

/// Classifies an addrtype field ("IP4", "IP6"; ASCII case ignored, as some stacks send "ip4").
AddressType address_type_from(std::string_view addrtype);

/// The addrtype to write for a bare address: "IP6" when it contains ':', otherwise "IP4".
/// `address` has no brackets and no "/ttl" suffix.
std::string_view addrtype_for(std::string_view address);

/// True for the unspecified addresses 0.0.0.0 and ::. A c= line with 0.0.0.0 is the RFC 2543
/// way of putting a stream on hold, still sent by older phones (RFC 3264 §8.4).
bool is_unspecified_address(std::string_view address);

}  // namespace sb::sdp
