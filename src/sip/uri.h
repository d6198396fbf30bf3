#pragma once

// SIP, SIPS and tel URIs (RFC 3261 §19.1, RFC 3966), and other absolute URIs kept opaque.
// Every field is a view into the text that was parsed.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace sb::sip {

enum class UriScheme : std::uint8_t { Sip, Sips, Tel, Other };

struct Uri {
    UriScheme scheme = UriScheme::Other;
    std::string_view text;      // the whole URI as written
    std::string_view user;      // sip/sips: user part as written (escapes kept); tel: the number
    std::string_view password;  // sip/sips only
    std::string_view host;      // as written; an IPv6 reference keeps its brackets
    std::uint16_t port = 0;     // 0 when absent
    std::string_view params;    // ";a=b;lr", starting with ';', or empty
    std::string_view headers;   // after '?', or empty

    bool is_sip() const { return scheme == UriScheme::Sip || scheme == UriScheme::Sips; }
    bool has_user() const { return !user.empty(); }
    /// Parameter value ("" for a flag), or nullopt when absent.
    std::optional<std::string_view> param(std::string_view name) const;
    bool has_param(std::string_view name) const { return param(name).has_value(); }
    /// The host without IPv6 brackets.
    std::string_view host_address() const;
};

/// Why a URI failed to parse: a static phrase suitable for a 400 reason.
using UriError = const char*;

/// Parses any URI. sip/sips/tel are checked against their grammar; other schemes must be a
/// syntactically valid absolute URI and are otherwise opaque.
Expected<Uri, UriError> parse_uri(std::string_view text);

/// Decodes %XX escapes (RFC 3261 §19.1.4: escaped and unescaped forms are equivalent).
std::string unescape(std::string_view text);

/// The address-of-record a URI names: "sip:user@host", with the user unescaped, the host in
/// lower case, no port and no parameters. SIPS URIs map to the same record (RFC 3261 §10.3).
std::string address_of_record(const Uri& uri);

/// True when `host` is an IPv4 address or an IPv6 reference (not a name to resolve).
bool is_ip_literal(std::string_view host);

}  // namespace sb::sip
