#pragma once

// The session description model (RFC 8866 §5). Every text field is a view into the body that
// was parsed, so a Session must not outlive that body. `lines` keeps every line in order, which
// is what the writer emits; the typed fields are an index over the same text.

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "sdp/address.h"
#include "sdp/attributes.h"
#include "sdp/direction.h"

namespace sb::sdp {

/// One line of the body as written, without its line ending: "a=rtpmap:0 PCMU/8000". The parser
/// makes only lines of at least two bytes, a lower-case letter and '=', which type() relies on.
struct Line {
    std::string_view text;

    char type() const { return text[0]; }
    std::string_view value() const { return text.substr(2); }
    bool operator==(const Line&) const = default;
};

/// o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address> (§5.2).
struct Origin {
    std::string_view username;
    std::string_view session_id;       // digits, kept as text: it may not fit 64 bits
    std::string_view session_version;  // digits, kept as text
    std::string_view nettype;
    std::string_view addrtype;
    std::string_view address;

    AddressType address_type() const { return address_type_from(addrtype); }
    bool operator==(const Origin&) const = default;
};

/// c=<nettype> <addrtype> <connection-address> (§5.7).
struct Connection {
    std::string_view nettype;
    std::string_view addrtype;
    std::string_view address;         // without the multicast suffix
    std::string_view address_suffix;  // "/127" or "/127/3" (multicast TTL and count), or empty
    std::uint32_t line = 0;           // index into Session::lines

    AddressType address_type() const { return address_type_from(addrtype); }
    bool operator==(const Connection&) const = default;
};

/// b=<bwtype>:<bandwidth> (§5.8), e.g. "AS:64" in kilobits per second.
struct Bandwidth {
    std::string_view type;
    std::uint64_t value = 0;
    std::uint32_t line = 0;  // index into Session::lines

    bool operator==(const Bandwidth&) const = default;
};

/// t=<start-time> <stop-time> (§5.9), NTP seconds; "t=0 0" is an unbounded session.
struct Timing {
    std::uint64_t start = 0;
    std::uint64_t stop = 0;
    std::uint32_t line = 0;  // index into Session::lines

    bool operator==(const Timing&) const = default;
};

/// What the session level and each media description have in common.
struct Section {
    std::uint32_t first_line = 0;  // [first_line, end_line) in Session::lines
    std::uint32_t end_line = 0;
    std::optional<Connection> connection;
    std::vector<Bandwidth> bandwidths;
    std::vector<Attribute> attributes;  // in order, unknown ones included

    /// The first attribute named `name` (ASCII case ignored), or nullptr.
    const Attribute* find_attribute(std::string_view name) const;
    bool has_attribute(std::string_view name) const { return find_attribute(name) != nullptr; }
    /// The direction attribute written at this level, if any (the first one wins).
    std::optional<Direction> direction() const;

    bool operator==(const Section&) const = default;
};

/// m=<media> <port>[/<number of ports>] <proto> <fmt> ... and the lines after it (§5.14).
struct MediaDescription : Section {
    std::string_view media;  // "audio", "video", "application", ...
    std::uint16_t port = 0;  // 0 means the stream is rejected or disabled (RFC 3264 §6)
    std::uint16_t port_count = 1;
    std::string_view proto;                 // "RTP/AVP", "UDP/TLS/RTP/SAVPF", ...
    std::vector<std::string_view> formats;  // payload types for RTP profiles
    std::string_view information;           // i=, or empty

    /// True for the RTP profiles, whose formats are payload type numbers.
    bool is_rtp() const;
    /// a=mid (RFC 5888), or nullopt.
    std::optional<std::string_view> mid() const;
    /// The a=rtpmap for `payload_type`, or nullopt (static payload types often have none).
    std::optional<RtpMap> rtpmap(std::uint8_t payload_type) const;
    /// Every a=rtpmap of this media, in order.
    std::vector<RtpMap> rtpmaps() const;
    /// The a=fmtp parameters for `format`, or nullopt.
    std::optional<std::string_view> fmtp(std::string_view format) const;
    /// a=rtcp (RFC 3605), or nullopt when RTCP uses the RTP port + 1.
    std::optional<Rtcp> rtcp() const;

    bool operator==(const MediaDescription&) const = default;
};

/// A whole session description. The inherited Section holds the session-level c=, b= and a=.
struct Session : Section {
    std::vector<Line> lines;  // every line in input order; trailing empty lines are dropped
    Origin origin;
    std::string_view name;  // s=
    std::vector<Timing> timings;
    std::vector<MediaDescription> media;

    /// The c= that applies to media `index`: its own, else the session's, else nullptr.
    /// Precondition: index < media.size().
    const Connection* connection_for(std::size_t index) const;
    /// The direction of media `index`: its own attribute, else the session-level one, else
    /// sendrecv (RFC 8866 §6.7). Precondition: index < media.size().
    Direction direction_of(std::size_t index) const;

    bool operator==(const Session&) const = default;
};

/// True when media `index` is held: its connection address is 0.0.0.0 or :: (RFC 2543 hold, RFC
/// 3264 §8.4) or its direction is sendonly or inactive. A disabled stream (port 0) is not held.
/// Precondition: index < session.media.size().
bool is_on_hold(const Session& session, std::size_t index);

/// True when the session is on hold: it has at least one enabled stream and every enabled
/// stream is held (muting video alone does not put a call on hold).
bool is_on_hold(const Session& session);

}  // namespace sb::sdp
