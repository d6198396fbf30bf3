#pragma once

// Flood protection and hardening: per-source request rates, failed-authentication limits,
// temporary bans, a whitelist, and the refusal of known scanners. The defaults are meant to
// be invisible to legitimate traffic, including a busy PBX behind one NAT address.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "protection/address.h"

namespace sb::protection {

enum class ScannerAction : std::uint8_t {
    Drop,       // no answer: a scanner learns nothing, and nothing goes to a forged source
    Forbidden,  // 403: easier to diagnose when a real phone's User-Agent matches by mistake
};

struct ProtectionConfig {
    bool enabled = true;
    std::uint32_t requests_per_second = 2000;  // per source IP, refilled continuously
    std::uint32_t burst = 4000;                // requests a source may send at once
    std::uint32_t auth_failures = 10;          // failed authentications (and scanner hits) ...
    std::chrono::seconds auth_failure_window{60};  // ... within this long of the first: ban
    std::chrono::seconds ban_seconds{300};
    std::size_t max_tracked_sources = 100000;  // memory bound (about 140 bytes a source)
    std::vector<Cidr> whitelist;               // never limited, never banned
    // Case-insensitive substrings of User-Agent. "sipsak" is deliberately absent: admins and
    // our own tests use it.
    std::vector<std::string> scanner_user_agents = {
        "friendly-scanner", "sipvicious", "sipcli",    "sip-scan", "VaxSIPUserAgent", "iWar",
        "SIVuS",            "Gulp",       "sundayddr", "smap",     "pplsip",          "SIPScan"};
    ScannerAction scanner_action = ScannerAction::Drop;
};

/// Shedding load the server as a whole cannot carry, whatever its sources.
struct OverloadConfig {
    // A worker whose messages wait longer than this before it gets to them is over capacity:
    // it answers new requests 503 until the wait falls below half of it. 0 turns this off.
    std::chrono::milliseconds max_queue_delay{250};
    std::chrono::seconds retry_after{5};  // the Retry-After of those 503s
};

}  // namespace sb::protection
