#pragma once

// Request checks before a request is routed (RFC 3261 §16.3, §8.2.2).

#include <optional>
#include <string>
#include <string_view>

#include "sip/message.h"

namespace sb::proxy {

struct Rejection {
    int status = 400;
    std::string reason;         // empty: the table's phrase
    std::string extra_headers;  // whole lines
};

/// Request-URI scheme (416), Max-Forwards (483) and Proxy-Require (420, we support no proxy
/// extensions): the checks of a request this server forwards.
std::optional<Rejection> check_forwardable(const sip::Message& request);

/// The Require header of a request this server answers itself (420 for what we lack).
std::optional<Rejection> check_require(const sip::Message& request);

}  // namespace sb::proxy
