#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "base/strings.h"

namespace sb::proxy {

enum class Mode : std::uint8_t {
    Stateful,   // RFC 3261 §16 with transactions (default)
    Stateless,  // RFC 3261 §16.11
    Redirect,   // answer 302 with the registered contacts
};

/// When to send to the address a contact registered from instead of its Contact URI.
enum class NatMode : std::uint8_t {
    Auto,    // when the Contact address differs from the source address, or over streams
    Always,  // always the source address
    Never,   // always the Contact URI
};

struct ProxyConfig {
    Mode mode = Mode::Stateful;
    std::map<std::string, Mode> domains;      // per-domain overrides of `mode` (lower case)
    bool record_route = true;
    bool allow_relay = false;                 // forward requests for other domains (not by default)
    NatMode nat = NatMode::Auto;
    std::chrono::seconds timer_c{180};        // a branch without a final response is cancelled
    std::chrono::seconds keepalive_interval{30};  // CRLF/OPTIONS pings to NATed contacts, 0 = off
    std::chrono::seconds max_call_duration{86400};  // a call without BYE is ended after this

    /// The mode for requests to users of `domain`: its own, or `mode`.
    Mode mode_for(std::string_view domain) const {
        if (domains.empty()) {
            return mode;  // the usual case: no lower-casing on the message path
        }
        auto it = domains.find(to_lower(domain));
        return it != domains.end() ? it->second : mode;
    }
};

}  // namespace sb::proxy
