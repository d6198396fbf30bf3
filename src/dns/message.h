#pragma once

// Reading a DNS response (RFC 1035 §4.1) into the records RFC 3263 needs. c-ares sends the
// queries; its per-type parsers drop the TTLs of SRV and NAPTR records, which the cache needs,
// so the answer is read here.

#include <cstdint>
#include <span>
#include <string_view>

#include "dns/records.h"

namespace sb::dns {

/// The answer to the query for `name` (lower case, no trailing dot) and `type` in `message`: the
/// records of that type owned by the name or by an alias it leads to through CNAME records,
/// with the smallest TTL among them (RFC 2181 §5.2). For NXDOMAIN and for no records (NODATA)
/// the TTL is the negative-caching TTL of RFC 2308 §5 (the SOA record's TTL capped by its
/// MINIMUM field), or 0 when the reply has no SOA record. Other RCODEs and malformed messages
/// give Status::Failure.
Answer parse_response(std::span<const std::uint8_t> message, std::string_view name,
                      RecordType type);

}  // namespace sb::dns
