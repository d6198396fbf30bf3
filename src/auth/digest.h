#pragma once

// HTTP Digest for SIP (RFC 3261 §22, RFC 7616, RFC 8760): credentials from Authorization /
// Proxy-Authorization, the expected response for MD5 and SHA-256 with qop=auth, and the
// challenge header values.

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace sb::auth {

enum class Algorithm { Md5, Sha256 };

struct Credentials {
    std::string username;
    std::string realm;
    std::string nonce;
    std::string uri;
    std::string response;
    Algorithm algorithm = Algorithm::Md5;
    std::string cnonce;
    std::string qop;          // "auth", or "" for the RFC 2069 form without qop
    std::uint32_t nc = 0;     // nonce-count, with qop
    std::string opaque;
};

/// Parses `Digest username="...", ...`. Errors name what is wrong.
Result<Credentials> parse_credentials(std::string_view value);

/// The response the client must have sent (RFC 7616 §3.4.1, RFC 2617 §3.2.2.1 without qop).
std::string expected_response(const Credentials& c, std::string_view ha1, std::string_view method);

/// One challenge header value: `Digest realm="...", nonce="...", algorithm=..., qop="auth"`.
std::string challenge(std::string_view realm, std::string_view nonce, Algorithm algorithm,
                      bool stale);

/// Compares two strings in time that does not depend on where they differ.
bool equal_in_constant_time(std::string_view a, std::string_view b);

}  // namespace sb::auth
