#pragma once

// Settings of the DNS resolver (RFC 3263 server location).

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace sb::dns {

struct DnsConfig {
    /// Name servers as "IP" or "IP:PORT" (IPv6 in brackets: "[2001:db8::53]:53"). Empty: the
    /// servers of the system's /etc/resolv.conf.
    std::vector<std::string> servers;
    /// How long to wait for one answer before asking again.
    std::chrono::milliseconds timeout{2000};
    /// How many times each query is sent. A whole resolution gives up after timeout * tries.
    int tries = 2;
    /// Answers are cached for their TTL, but never longer than this.
    std::chrono::seconds cache_max_ttl{300};
    /// At most this many answers (one per name and record type) are cached.
    std::size_t cache_max_entries = 4096;
};

}  // namespace sb::dns
