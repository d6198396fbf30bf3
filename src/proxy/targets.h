#pragma once

// The target set of a request for a local user (RFC 3261 §16.5): the registered contacts,
// each with where to send it (NAT traversal) and the Path to put in front.

#include <string>
#include <vector>

#include "location/api/binding.h"
#include "proxy/config.h"
#include "transport/api/source.h"

namespace sb::proxy {

struct Target {
    std::string uri;             // the new Request-URI (the Contact)
    transport::Destination hop;  // where to send it
    std::string routes;          // Route values to add on top (the binding's Path), or ""
    int q = 1000;                // thousandths; contacts without q count as 1.0
    std::string extra_headers;   // whole lines added to this branch (a Diversion, say)
    std::string resolve;         // a URI whose host is a name: `hop` comes from DNS first
};

/// One target per binding, highest q first (equal q keep their order). A binding whose
/// contact cannot be reached is left out.
std::vector<Target> targets_from(const std::vector<location::Binding>& bindings, NatMode nat);

}  // namespace sb::proxy
