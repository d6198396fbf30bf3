#include "dns/rfc3263.h"

#include <algorithm>
#include <iterator>

#include "base/strings.h"

namespace sb::dns {
namespace {

using transport::Transport;

/// Lower case, without IPv6 brackets or the trailing dot of a fully qualified name.
std::string normalise_target(std::string_view host) {
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    if (host.size() > 1 && host.back() == '.') {
        host.remove_suffix(1);
    }
    return to_lower(host);
}

/// RFC 3263 §4.1: the transport parameter, as it applies to the scheme. A SIPS URI always
/// means TLS on each hop (RFC 3261 §26.2.2), so "transport=tcp" there means TLS over TCP and
/// UDP is impossible.
std::optional<Transport> transport_param(const sip::Uri& uri, bool sips, std::string& error) {
    auto param = uri.param("transport");
    if (!param) {
        return std::nullopt;
    }
    auto parsed = transport::parse_transport(*param);
    if (!parsed) {
        error = "unsupported transport " + std::string(*param);
        return std::nullopt;
    }
    if (!sips) {
        return parsed;
    }
    switch (*parsed) {
        case Transport::Udp:
            error = "a SIPS URI cannot use UDP";
            return std::nullopt;
        case Transport::Tcp:
        case Transport::Tls:
            return Transport::Tls;
        case Transport::Ws:
        case Transport::Wss:
            return Transport::Wss;
    }
    return parsed;
}

/// The transport a NAPTR service field stands for (RFC 3263 §4.1), if we may use it.
std::optional<Transport> naptr_transport(std::string_view service, bool sips) {
    if (iequals(service, "SIPS+D2T")) {
        return Transport::Tls;
    }
    if (sips) {
        return std::nullopt;
    }
    if (iequals(service, "SIP+D2U")) {
        return Transport::Udp;
    }
    if (iequals(service, "SIP+D2T")) {
        return Transport::Tcp;
    }
    return std::nullopt;
}

}  // namespace

Transport default_transport(bool sips) { return sips ? Transport::Tls : Transport::Udp; }

std::uint16_t default_port(Transport t) { return transport::is_secure(t) ? 5061 : 5060; }

Plan plan_for(const sip::Uri& uri) {
    Plan plan;
    if (!uri.is_sip()) {
        plan.error = "not a SIP or SIPS URI";
        return plan;
    }
    plan.sips = uri.scheme == sip::UriScheme::Sips;
    auto maddr = uri.param("maddr");
    plan.target = normalise_target(maddr && !maddr->empty() ? *maddr : uri.host);
    if (plan.target.empty()) {
        plan.error = "no host to resolve";
        return plan;
    }
    std::optional<Transport> param = transport_param(uri, plan.sips, plan.error);
    if (!plan.error.empty()) {
        return plan;
    }
    plan.transport = param.value_or(default_transport(plan.sips));

    // RFC 3263 §4.1, §4.2: a numeric TARGET is the destination itself.
    if (auto ip = transport::Endpoint::from(plan.target, 0)) {
        ip->set_port(uri.port != 0 ? uri.port : default_port(plan.transport));
        plan.literal = transport::Destination{plan.transport, *ip, 0, transport::kAnyListener};
        return plan;
    }
    // RFC 3263 §4.2: with an explicit port, only A/AAAA. WebSocket has no SRV name in RFC 3263,
    // so its default port applies directly as well.
    if (uri.port != 0 || !srv_query(plan.target, plan.transport)) {
        plan.step = Plan::Step::Addresses;
        plan.port = uri.port != 0 ? uri.port : default_port(plan.transport);
        return plan;
    }
    plan.port = default_port(plan.transport);
    // RFC 3263 §4.1: a transport parameter skips NAPTR; SRV for that transport alone.
    plan.step = param ? Plan::Step::Srv : Plan::Step::Naptr;
    return plan;
}

std::optional<SrvQuery> srv_query(std::string_view domain, Transport t) {
    std::string_view prefix;
    switch (t) {
        case Transport::Udp: prefix = "_sip._udp."; break;
        case Transport::Tcp: prefix = "_sip._tcp."; break;
        case Transport::Tls: prefix = "_sips._tcp."; break;
        case Transport::Ws:
        case Transport::Wss: return std::nullopt;
    }
    return SrvQuery{std::string(prefix) + std::string(domain), t};
}

std::vector<SrvQuery> select_naptr(std::vector<NaptrRecord> records, bool sips) {
    // RFC 3403 §4.1: lower order first, then lower preference. Stable, so equal records keep
    // the order the server gave them.
    std::stable_sort(records.begin(), records.end(), [](const auto& a, const auto& b) {
        return a.order != b.order ? a.order < b.order : a.preference < b.preference;
    });
    std::vector<SrvQuery> queries;
    for (const NaptrRecord& r : records) {
        // RFC 3263 §4.1: SIP NAPTR records are terminal with the "S" flag (an SRV lookup of the
        // replacement); the regexp field is not used.
        auto t = naptr_transport(r.service, sips);
        if (!t || !iequals(r.flags, "s") || r.replacement.empty() || r.replacement == ".") {
            continue;
        }
        SrvQuery q{normalise_target(r.replacement), *t};
        if (std::find(queries.begin(), queries.end(), q) == queries.end()) {
            queries.push_back(std::move(q));
        }
    }
    return queries;
}

std::vector<SrvQuery> default_srv_queries(std::string_view domain, bool sips) {
    std::vector<SrvQuery> queries;
    if (sips) {
        queries.push_back(*srv_query(domain, Transport::Tls));
    } else {
        queries.push_back(*srv_query(domain, Transport::Udp));
        queries.push_back(*srv_query(domain, Transport::Tcp));
    }
    return queries;
}

std::vector<SrvRecord> order_srv(std::vector<SrvRecord> records, const RandomSource& random) {
    std::stable_sort(records.begin(), records.end(),
                     [](const auto& a, const auto& b) { return a.priority < b.priority; });
    std::vector<SrvRecord> ordered;
    ordered.reserve(records.size());
    auto begin = records.begin();
    while (begin != records.end()) {
        auto end = std::find_if(begin, records.end(),
                                [&](const auto& r) { return r.priority != begin->priority; });
        std::vector<SrvRecord> group(std::make_move_iterator(begin), std::make_move_iterator(end));
        begin = end;
        std::stable_partition(group.begin(), group.end(),
                              [](const auto& r) { return r.weight == 0; });
        while (!group.empty()) {
            std::uint32_t sum = 0;
            for (const auto& r : group) {
                sum += r.weight;
            }
            // RFC 2782: draw in [0, sum], take the first record whose running sum reaches it.
            // The last record left needs no draw.
            std::uint32_t draw = sum == 0 || group.size() == 1 ? 0 : std::min(random(sum), sum);
            std::uint32_t running = 0;
            std::size_t chosen = group.size() - 1;
            for (std::size_t i = 0; i < group.size(); ++i) {
                running += group[i].weight;
                if (running >= draw) {
                    chosen = i;
                    break;
                }
            }
            ordered.push_back(std::move(group[chosen]));
            group.erase(group.begin() + static_cast<std::ptrdiff_t>(chosen));
        }
    }
    return ordered;
}

std::vector<AddressTarget> srv_targets(const std::vector<SrvQuery>& queries,
                                       const std::vector<Answer>& answers,
                                       const RandomSource& random) {
    std::vector<AddressTarget> targets;
    for (std::size_t i = 0; i < queries.size() && i < answers.size(); ++i) {
        if (answers[i].status != Answer::Status::Ok) {
            continue;
        }
        for (SrvRecord& r : order_srv(answers[i].srv, random)) {
            if (r.target.empty() || r.target == ".") {
                continue;
            }
            AddressTarget t{normalise_target(r.target), r.port, queries[i].transport};
            if (std::find(targets.begin(), targets.end(), t) == targets.end()) {
                targets.push_back(std::move(t));
            }
        }
    }
    return targets;
}

std::vector<transport::Endpoint> order_addresses(std::vector<transport::Endpoint> addresses,
                                                 std::uint16_t port) {
    std::stable_partition(addresses.begin(), addresses.end(),
                          [](const auto& e) { return !e.is_v6(); });
    for (auto& e : addresses) {
        e.set_port(port);
    }
    return addresses;
}

void append_destinations(const AddressTarget& target,
                         const std::vector<transport::Endpoint>& addresses,
                         std::vector<transport::Destination>& out) {
    for (const auto& e : order_addresses(addresses, target.port)) {
        bool seen = std::any_of(out.begin(), out.end(), [&](const auto& d) {
            return d.transport == target.transport && d.remote == e;
        });
        if (!seen) {
            out.push_back(transport::Destination{target.transport, e, 0, transport::kAnyListener});
        }
    }
}

}  // namespace sb::dns
