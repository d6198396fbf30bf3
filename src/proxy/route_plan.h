#pragma once

// Route processing of a received request (RFC 3261 §16.4): which Route values name this proxy
// and are removed, and the strict-router fix-up of the Request-URI.

#include <string>
#include <string_view>
#include <vector>

#include "proxy/local_domains.h"
#include "sip/message.h"

namespace sb::proxy {

struct RoutePlan {
    /// Byte ranges of the message to delete (whole Route lines or leading values of one).
    std::vector<std::pair<std::size_t, std::size_t>> removals;
    /// The request came through a Route we had put in a Record-Route.
    bool via_our_route = false;
    /// A strict router before us put our URI in the Request-URI: the real one (the last Route
    /// value) goes back there, and that Route value is removed.
    std::string request_uri;
    /// The first Route URI left after the removals (the next hop), or "".
    std::string next_route;
    /// The flow token of the last of our Route entries removed (see flow_token.h), or "":
    /// where the dialog peer this request goes to really is.
    std::string flow;
};

RoutePlan plan_routes(const sip::Message& request, const LocalDomains& local);

}  // namespace sb::proxy
