#pragma once

// Typed readings of the attributes a media relay needs. Each reader takes the attribute value
// (the text after "a=name:") and returns views into it.

#include <cstdint>
#include <optional>
#include <string_view>

#include "base/result.h"

namespace sb::sdp {

/// One "a=" line: "a=name" (a property attribute) or "a=name:value" (RFC 8866 §5.13).
struct Attribute {
    std::string_view name;
    std::string_view value;  // after the first ':', as written; empty for a property attribute
    bool has_value = false;  // a ':' was present ("a=name:" has an empty value)
    std::uint32_t line = 0;  // index into Session::lines (line number - 1)

    bool operator==(const Attribute&) const = default;
};

/// a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>] (RFC 8866 §6.6).
struct RtpMap {
    std::uint8_t payload_type = 0;
    std::string_view encoding_name;  // "PCMU", "opus", "telephone-event"; case as sent
    std::uint32_t clock_rate = 0;
    std::optional<std::uint16_t> channels;  // audio encoding parameters; absent means 1

    bool operator==(const RtpMap&) const = default;
};

/// a=fmtp:<format> <format specific parameters> (RFC 8866 §6.15). Parameters stay opaque.
struct Fmtp {
    std::string_view format;
    std::string_view parameters;

    bool operator==(const Fmtp&) const = default;
};

/// a=rtcp:<port> [<nettype> <addrtype> <connection-address>] (RFC 3605 §2.1): where the peer
/// wants RTCP when it is not on the RTP port + 1.
struct Rtcp {
    std::uint16_t port = 0;
    std::string_view nettype;   // empty when no address was given
    std::string_view addrtype;  // empty when no address was given
    std::string_view address;   // empty when no address was given

    bool has_address() const { return !address.empty(); }
    bool operator==(const Rtcp&) const = default;
};

/// Reads an a=rtpmap value. The error says what is wrong without repeating the input.
Result<RtpMap> parse_rtpmap(std::string_view value);

/// Reads an a=fmtp value: a format, then (after spaces) its parameters, which may be empty.
Result<Fmtp> parse_fmtp(std::string_view value);

/// Reads an a=rtcp value: a port, then either nothing or all three address fields.
Result<Rtcp> parse_rtcp(std::string_view value);

}  // namespace sb::sdp
