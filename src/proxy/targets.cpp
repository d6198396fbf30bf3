#include "proxy/targets.h"

#include <algorithm>

#include "proxy/next_hop.h"
#include "sip/header_values.h"
#include "sip/name_addr.h"

namespace sb::proxy {
namespace {

// Where to reach a contact: its own address, or the address its REGISTER came from when it is
// behind NAT (RFC 3581 symmetric signalling) or registered over a stream (reuse that connection).
std::optional<transport::Destination> reach(const location::Binding& b, NatMode nat) {
    auto uri = sip::parse_uri(b.contact);
    if (!uri) {
        return std::nullopt;
    }
    auto received = parse_received(b.received);
    auto direct = resolve_literal(*uri);
    if (received && transport::is_stream(received->transport)) {
        // Whatever the NAT setting: a phone on a connection it opened (a WebSocket phone has
        // no address at all, only a ".invalid" Contact) is reached over that connection.
        return received;
    }
    if (nat == NatMode::Never || !received) {
        return direct;
    }
    if (nat == NatMode::Always) {
        return received;
    }
    // Auto: a contact that names the very address it registered from is reachable as written
    // (its port and transport may differ: a phone may send from one port over UDP and listen
    // on another, or over TCP).
    if (direct && direct->remote.same_address(received->remote)) {
        return direct;
    }
    return received;
}

}  // namespace

std::vector<Target> targets_from(const std::vector<location::Binding>& bindings, NatMode nat) {
    std::vector<Target> out;
    for (const location::Binding& b : bindings) {
        Target t;
        t.uri = b.contact;
        t.q = b.q < 0 ? 1000 : b.q;
        t.routes = b.path;
        if (!b.path.empty()) {
            // RFC 3327: the first Path entry is the next hop.
            std::string first;
            sip::for_each_list_value(b.path, [&](std::string_view v) {
                first = std::string(v);
                return false;
            });
            auto na = sip::parse_name_addr(first);
            auto hop = na ? resolve_literal(na->uri) : std::nullopt;
            if (!hop) {
                continue;
            }
            t.hop = *hop;
        } else {
            auto hop = reach(b, nat);
            if (!hop) {
                continue;
            }
            t.hop = *hop;
        }
        out.push_back(std::move(t));
    }
    std::stable_sort(out.begin(), out.end(), [](const Target& a, const Target& b) { return a.q > b.q; });
    return out;
}

}  // namespace sb::proxy
