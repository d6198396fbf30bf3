#pragma once

// RFC 3263 §4 ("Locating a SIP Server") as pure functions: what a URI asks to look up, and how
// the NAPTR, SRV, A and AAAA answers turn into the ordered destinations. Nothing here touches
// the network, so every rule can be tested with canned records.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dns/records.h"
#include "sip/uri.h"
#include "transport/api/source.h"

namespace sb::dns {

/// A uniformly distributed integer in [0, max], for the weighted choice of RFC 2782. Tests
/// inject a fixed sequence.
using RandomSource = std::function<std::uint32_t(std::uint32_t max)>;

/// What the URI alone says about where a request goes, before any lookup.
struct Plan {
    enum class Step : std::uint8_t {
        Done,       // nothing to look up: the destination is `literal`, or `error` says why not
        Addresses,  // A/AAAA of `target`, then `port` and `transport` (an explicit port)
        Srv,        // SRV for `transport` at `target`; without records, A/AAAA and `port`
        Naptr,      // NAPTR at `target`, then SRV, then A/AAAA (RFC 3263 §4.1)
    };

    Step step = Step::Done;
    /// RFC 3263 §4: TARGET is the maddr parameter if present, else the host. Lower case, no
    /// brackets, no trailing dot.
    std::string target;
    bool sips = false;
    transport::Transport transport = transport::Transport::Udp;  // Addresses, Srv
    std::uint16_t port = 0;                                      // Addresses, Srv (fallback)
    std::optional<transport::Destination> literal;               // Done
    std::string error;                                           // Done without a literal
};

/// Reads the URI's scheme, host, maddr, port and transport parameter (RFC 3263 §4.1, §4.2).
Plan plan_for(const sip::Uri& uri);

/// The transport when nothing names one: UDP for SIP, TLS (over TCP) for SIPS (RFC 3263 §4.1).
transport::Transport default_transport(bool sips);
/// 5060, or 5061 for the secure transports (RFC 3261 §19.1.2).
std::uint16_t default_port(transport::Transport t);

/// One SRV query and the transport its records are for.
struct SrvQuery {
    std::string name;  // "_sip._udp.example.com"
    transport::Transport transport = transport::Transport::Udp;

    bool operator==(const SrvQuery&) const = default;
};

/// The SRV query for `transport` at `domain` (RFC 3263 §4.1: "_sips._tcp" for TLS), or nullopt
/// for a transport with no SRV service name (WebSocket).
std::optional<SrvQuery> srv_query(std::string_view domain, transport::Transport t);

/// RFC 3263 §4.1: the SRV queries the usable NAPTR records point at, by order then preference.
/// Usable: flag "S", a replacement, and a service we have a transport for (SIP+D2U, SIP+D2T,
/// SIPS+D2T; only SIPS+D2T for a SIPS URI). SIP+D2W and SIPS+D2W are ignored until there is a
/// WebSocket transport.
std::vector<SrvQuery> select_naptr(std::vector<NaptrRecord> records, bool sips);

/// RFC 3263 §4.1 without NAPTR records: an SRV query for each transport we support, in order of
/// preference. "_sip._udp", "_sip._tcp" for SIP; "_sips._tcp" for SIPS, which must use TLS.
std::vector<SrvQuery> default_srv_queries(std::string_view domain, bool sips);

/// RFC 2782: by priority, lowest first; within a priority, a weighted random order (each pick
/// draws `random(sum of the remaining weights)`; zero-weight records are placed first, so they
/// are picked only when the draw is 0).
std::vector<SrvRecord> order_srv(std::vector<SrvRecord> records, const RandomSource& random);

/// A host to look up, and where and how to reach it once its addresses are known.
struct AddressTarget {
    std::string host;
    std::uint16_t port = 0;
    transport::Transport transport = transport::Transport::Udp;

    bool operator==(const AddressTarget&) const = default;
};

/// RFC 3263 §4.2: the SRV targets of `answers` (one per query, same order), the queries in the
/// order given and each query's records in RFC 2782 order. A target of "." says the service is
/// not offered there (RFC 2782) and is dropped.
std::vector<AddressTarget> srv_targets(const std::vector<SrvQuery>& queries,
                                       const std::vector<Answer>& answers,
                                       const RandomSource& random);

/// The addresses with `port`, IPv4 before IPv6 (each family in the order given). Our
/// listeners are usually dual-stack but the phones' LANs are mostly IPv4-only, so an IPv6
/// destination first would cost a timeout per request where IPv4 works at once; IPv6 comes
/// first only when it is all there is.
std::vector<transport::Endpoint> order_addresses(std::vector<transport::Endpoint> addresses,
                                                 std::uint16_t port);

/// Appends the destinations of one target to `out`, skipping any already there.
void append_destinations(const AddressTarget& target,
                         const std::vector<transport::Endpoint>& addresses,
                         std::vector<transport::Destination>& out);

}  // namespace sb::dns
