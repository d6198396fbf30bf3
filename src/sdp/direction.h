#pragma once

// The media direction attributes (RFC 8866 §6.7): a property attribute that says whether the
// sender of the description wants to send, receive, both or neither.

#include <cstdint>
#include <optional>
#include <string_view>

namespace sb::sdp {

enum class Direction : std::uint8_t { SendRecv, SendOnly, RecvOnly, Inactive };

/// The attribute name for `direction`: "sendrecv", "sendonly", "recvonly" or "inactive".
std::string_view to_string(Direction direction);

/// The direction an attribute name stands for (ASCII case ignored), or nullopt when the name is
/// not one of the four direction attributes.
std::optional<Direction> direction_from_name(std::string_view name);

}  // namespace sb::sdp
