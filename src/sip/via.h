#pragma once

// Via header values (RFC 3261 §20.42, RFC 3581 rport).

#include <cstdint>
#include <optional>
#include <string_view>

#include "base/result.h"

namespace sb::sip {

/// The magic cookie that marks an RFC 3261 branch (§8.1.1.7).
inline constexpr std::string_view kBranchCookie = "z9hG4bK";

struct Via {
    std::string_view text;       // the whole value as written
    std::string_view protocol;   // "SIP"
    std::string_view version;    // "2.0"
    std::string_view transport;  // "UDP", "TCP", "TLS", "WS", "WSS", "SCTP" or an extension
    std::string_view host;       // sent-by host as written (IPv6 keeps its brackets)
    std::uint16_t port = 0;      // 0 when absent
    std::string_view params;     // ";branch=...;rport", or empty
    std::string_view branch;     // "" when absent
    std::optional<std::string_view> received;
    std::optional<std::string_view> rport;  // "" when present without a value

    std::optional<std::string_view> param(std::string_view name) const;
    /// True when the branch starts with the RFC 3261 magic cookie.
    bool rfc3261_branch() const { return branch.size() > kBranchCookie.size() &&
                                         branch.substr(0, kBranchCookie.size()) == kBranchCookie; }
};

/// Parses one Via value (not a comma list). Errors are static phrases for a 400 reason.
Expected<Via, const char*> parse_via(std::string_view value);

}  // namespace sb::sip
