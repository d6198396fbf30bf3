#pragma once

// The DNS records RFC 3263 server location reads, and the answer to one query.

#include <cstdint>
#include <string>
#include <vector>

#include "transport/api/endpoint.h"

namespace sb::dns {

/// Resource record types (RFC 1035 §3.2.2, RFC 3596, RFC 2782, RFC 3403).
enum class RecordType : std::uint16_t {
    A = 1,
    Cname = 5,
    Soa = 6,
    Aaaa = 28,
    Srv = 33,
    Naptr = 35,
};

/// RFC 3403 §4.1. Names are in lower case without the trailing dot.
struct NaptrRecord {
    std::uint16_t order = 0;
    std::uint16_t preference = 0;
    std::string flags;
    std::string service;
    std::string regexp;
    std::string replacement;

    bool operator==(const NaptrRecord&) const = default;
};

/// RFC 2782. The target is in lower case without the trailing dot ("." itself stays ".").
struct SrvRecord {
    std::uint16_t priority = 0;
    std::uint16_t weight = 0;
    std::uint16_t port = 0;
    std::string target;

    bool operator==(const SrvRecord&) const = default;
};

/// What one query (a name and a record type) came back with.
struct Answer {
    enum class Status : std::uint8_t {
        Ok,        // NOERROR: the records below, possibly none (NODATA)
        NxDomain,  // the name does not exist (RFC 1035 RCODE 3)
        Timeout,   // no server answered in time
        Failure,   // anything else: SERVFAIL, REFUSED, a malformed reply, the resolver stopping
    };

    Status status = Status::Ok;
    std::vector<NaptrRecord> naptr;
    std::vector<SrvRecord> srv;
    std::vector<transport::Endpoint> addresses;  // A and AAAA, with port 0
    /// Seconds the answer may be cached: the smallest TTL of the records (and CNAMEs) used, or
    /// for NXDOMAIN and NODATA the negative TTL of RFC 2308 §5. 0: do not cache.
    std::uint32_t ttl = 0;
    std::string error;  // for Failure: what went wrong

    bool empty() const { return naptr.empty() && srv.empty() && addresses.empty(); }
};

}  // namespace sb::dns
