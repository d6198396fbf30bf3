#include "transport/listen_ports.h"

#include <map>
#include <set>
#include <string>

#include "transport/udp_socket.h"

namespace sb::transport {
namespace {

constexpr int kAttempts = 16;

bool plain(Transport t) { return t == Transport::Udp || t == Transport::Tcp; }

}  // namespace

Result<std::vector<std::uint16_t>> choose_ports(const std::vector<ListenSpec>& specs) {
    std::vector<std::uint16_t> out(specs.size(), 0);
    // Ports given or chosen on each host, so two choices never land on the same port.
    std::map<std::string, std::set<std::uint16_t>> taken;
    for (std::size_t i = 0; i < specs.size(); ++i) {
        if (specs[i].port != 0) {
            out[i] = specs[i].port;
            taken[specs[i].host].insert(specs[i].port);
        }
    }
    std::map<std::string, std::uint16_t> shared;  // host → the port of its UDP and TCP on 0
    for (std::size_t i = 0; i < specs.size(); ++i) {
        const ListenSpec& spec = specs[i];
        if (spec.port != 0) {
            continue;
        }
        if (auto it = shared.find(spec.host); plain(spec.transport) && it != shared.end()) {
            out[i] = it->second;
            continue;
        }
        auto host = Endpoint::from(spec.host, 0);
        if (!host) {
            return fail("cannot listen on '" + spec.host + "': not an IP address");
        }
        bool needs_tcp = !plain(spec.transport);
        for (const ListenSpec& other : specs) {
            needs_tcp = needs_tcp || (plain(spec.transport) && other.host == spec.host &&
                                      other.port == 0 && other.transport == Transport::Tcp);
        }
        for (int attempt = 0; attempt < kAttempts && out[i] == 0; ++attempt) {
            auto port = probe_port(plain(spec.transport) ? Transport::Udp : Transport::Tcp, *host);
            if (!port) {
                return Unexpected(port.error());
            }
            Endpoint candidate = *host;
            candidate.set_port(*port);
            if (taken[spec.host].count(*port) != 0 ||
                (needs_tcp && plain(spec.transport) && !probe_port(Transport::Tcp, candidate))) {
                continue;
            }
            out[i] = *port;
            taken[spec.host].insert(*port);
            if (plain(spec.transport)) {
                shared[spec.host] = *port;
            }
        }
        if (out[i] == 0) {
            return fail("cannot find a free port on " + spec.host);
        }
    }
    return out;
}

}  // namespace sb::transport
