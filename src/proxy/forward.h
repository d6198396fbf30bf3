#pragma once

// The copy of a request that goes to one target (RFC 3261 §16.6 steps 1-8), written as edits
// against the received bytes.

#include <string>
#include <string_view>

#include "proxy/route_plan.h"
#include "sip/message.h"

namespace sb::proxy {

struct ForwardSpec {
    std::string_view request_uri;   // new Request-URI, or "" to keep it
    const RoutePlan* routes = nullptr;  // Route values to remove, and a strict-router fix-up
    std::string_view add_routes;    // Route values to put on top (a Path), or ""
    std::string_view top_via;       // the received top Via with received/rport, or "" to keep
    std::string_view via;           // our Via value, pushed on top
    std::string_view record_route;  // our Record-Route value(s), or "" for none
    bool stream = false;            // next hop is a stream: Content-Length must be present
    std::string_view extra_headers; // whole lines added at the end of the header section
};

/// Writes the forwarded request into `out` (cleared first).
void build_forward(std::string& out, const sip::Message& request, const ForwardSpec& spec);

/// Removes our Via (the top one) from a response: the bytes to relay upstream (§16.7 step 3).
/// A non-empty `reason` replaces the reason phrase (only the phrase: code, headers and body stay).
void strip_top_via(std::string& out, const sip::Message& response, std::string_view reason = {});

}  // namespace sb::proxy
