#include "sdp/direction.h"

#include "base/strings.h"

namespace sb::sdp {

std::string_view to_string(Direction direction) {
    switch (direction) {
        case Direction::SendRecv:
            return "sendrecv";
        case Direction::SendOnly:
            return "sendonly";
        case Direction::RecvOnly:
            return "recvonly";
        case Direction::Inactive:
            return "inactive";
    }
    return "sendrecv";
}

std::optional<Direction> direction_from_name(std::string_view name) {
    for (Direction d :
         {Direction::SendRecv, Direction::SendOnly, Direction::RecvOnly, Direction::Inactive}) {
        if (iequals(name, to_string(d))) {
            return d;
        }
    }
    return std::nullopt;
}

}  // namespace sb::sdp
