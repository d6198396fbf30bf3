#pragma once

#include <chrono>
#include <cstdint>

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
    bool record_route = true;
    bool allow_relay = false;                 // forward requests for other domains (not by default)
    NatMode nat = NatMode::Auto;
    std::chrono::seconds timer_c{180};        // a branch without a final response is cancelled
    std::chrono::seconds keepalive_interval{30};  // CRLF/OPTIONS pings to NATed contacts, 0 = off
    std::chrono::seconds max_call_duration{86400};  // a call without BYE is ended after this
};

}  // namespace sb::proxy
