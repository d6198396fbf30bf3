#include "sdp/parser.h"

#include <string>
#include <utility>

#include "base/strings.h"
#include "sdp/tokens.h"

namespace sb::sdp {
namespace {

using detail::Tokens;

std::string at_line(std::size_t number, std::string_view what) {
    std::string out = "line ";
    out += std::to_string(number);
    out += ": ";
    out += what;
    return out;
}

class Parser {
public:
    Parser(std::string_view text, const Limits& limits) : text_(text), limits_(limits) {}

    Result<Session> run();

private:
    // Each step returns the fault without the "line N: " prefix, which run() adds.
    Result<void> take_line(std::string_view line);
    Result<void> take_origin(std::string_view value);
    Result<void> take_connection(std::string_view value, std::uint32_t index);
    Result<void> take_bandwidth(std::string_view value, std::uint32_t index);
    Result<void> take_timing(std::string_view value, std::uint32_t index);
    Result<void> take_media(std::string_view value, std::uint32_t index);
    Result<void> take_attribute(std::string_view value, std::uint32_t index);
    void close_sections();

    Section& current() {
        return session_.media.empty() ? static_cast<Section&>(session_) : session_.media.back();
    }

    std::string_view text_;
    const Limits& limits_;
    Session session_;
};

Result<Session> Parser::run() {
    std::size_t pos = 0;
    std::size_t number = 0;
    std::size_t blank = 0;  // the first empty line that no text has followed yet
    while (pos < text_.size()) {
        ++number;
        std::size_t lf = text_.find('\n', pos);
        std::size_t end = (lf == std::string_view::npos) ? text_.size() : lf;
        std::string_view line = text_.substr(pos, end - pos);
        pos = (lf == std::string_view::npos) ? text_.size() : lf + 1;
        // RFC 8866 §5 says CRLF, and that parsers should also accept a bare LF.
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        if (line.size() > limits_.max_line_length) {
            return fail(at_line(
                number, "line longer than " + std::to_string(limits_.max_line_length) + " bytes"));
        }
        if (line.empty()) {
            if (blank == 0) {
                blank = number;
            }
            continue;
        }
        if (blank != 0) {
            return fail(at_line(blank, "empty line"));
        }
        if (auto taken = take_line(line); !taken) {
            return fail(at_line(number, taken.error().message));
        }
    }
    // RFC 8866 §5: v=, o= and s= open every description, in this order.
    switch (session_.lines.size()) {
        case 0:
            return fail(at_line(1, "session description must start with v="));
        case 1:
            return fail(at_line(2, "o= must follow v="));
        case 2:
            return fail(at_line(3, "s= must follow o="));
        default:
            break;
    }
    close_sections();
    return std::move(session_);
}

Result<void> Parser::take_line(std::string_view line) {
    for (char c : line) {
        // RFC 8866 §9: no field may contain NUL, CR or LF.
        if (c == '\r') {
            return fail("CR inside a line");
        }
        if (c == '\0') {
            return fail("NUL byte inside a line");
        }
    }
    if (line.size() < 2 || line[1] != '=' || line[0] < 'a' || line[0] > 'z') {
        return fail("not a <type>=<value> line");
    }
    auto index = static_cast<std::uint32_t>(session_.lines.size());
    session_.lines.push_back(Line{line});
    char type = line[0];
    std::string_view value = line.substr(2);

    if (index == 0) {
        if (type != 'v') {
            return fail("session description must start with v=");
        }
        if (value != "0") {
            return fail("unsupported SDP version (v= must be 0)");
        }
        return {};
    }
    if (index == 1) {
        if (type != 'o') {
            return fail("o= must follow v=");
        }
        return take_origin(value);
    }
    if (index == 2) {
        if (type != 's') {
            return fail("s= must follow o=");
        }
        session_.name = value;
        return {};
    }
    const bool in_media = !session_.media.empty();
    switch (type) {
        case 'v':
            return fail("v= may appear only as the first line");
        case 'o':
            return fail("o= may appear only once, as the second line");
        case 's':
            return fail("s= may appear only once, as the third line");
        case 'c':
            return take_connection(value, index);
        case 'b':
            return take_bandwidth(value, index);
        case 't':
            if (in_media) {
                return fail("t= is not allowed in a media description");
            }
            return take_timing(value, index);
        case 'm':
            return take_media(value, index);
        case 'a':
            return take_attribute(value, index);
        case 'i':
            if (in_media && session_.media.back().information.empty()) {
                session_.media.back().information = value;
            }
            return {};
        default:
            // u=, e=, p=, k=, r=, z= and letters defined later: kept as lines, written through.
            return {};
    }
}

Result<void> Parser::take_origin(std::string_view value) {
    Tokens fields(value);
    Origin& o = session_.origin;
    o.username = fields.next();
    o.session_id = fields.next();
    o.session_version = fields.next();
    o.nettype = fields.next();
    o.addrtype = fields.next();
    o.address = fields.next();
    if (o.address.empty()) {
        return fail(
            "o= line needs <username> <sess-id> <sess-version> <nettype> <addrtype> <address>");
    }
    if (!fields.done()) {
        return fail("o= line has text after the address");
    }
    if (!detail::is_digits(o.session_id)) {
        return fail("o= sess-id is not a number");
    }
    if (!detail::is_digits(o.session_version)) {
        return fail("o= sess-version is not a number");
    }
    return {};
}

Result<void> Parser::take_connection(std::string_view value, std::uint32_t index) {
    Section& section = current();
    if (section.connection) {
        // RFC 8866 §5.7 allows several only for layered multicast, which no SIP phone sends.
        return fail("second c= line in the same section");
    }
    Tokens fields(value);
    Connection c;
    c.nettype = fields.next();
    c.addrtype = fields.next();
    std::string_view address = fields.next();
    if (address.empty()) {
        return fail("c= line needs <nettype> <addrtype> <address>");
    }
    if (!fields.done()) {
        return fail("c= line has text after the address");
    }
    std::size_t slash = address.find('/');
    c.address = address.substr(0, slash);
    if (slash != std::string_view::npos) {
        c.address_suffix = address.substr(slash);
    }
    if (c.address.empty()) {
        return fail("c= address is empty");
    }
    c.line = index;
    section.connection = c;
    return {};
}

Result<void> Parser::take_bandwidth(std::string_view value, std::uint32_t index) {
    std::size_t colon = value.find(':');
    if (colon == std::string_view::npos || !detail::is_token(value.substr(0, colon))) {
        return fail("b= line needs <bwtype>:<bandwidth>");
    }
    auto bandwidth = parse_u64(value.substr(colon + 1));
    if (!bandwidth) {
        return fail("b= bandwidth is not a number");
    }
    current().bandwidths.push_back(Bandwidth{value.substr(0, colon), *bandwidth, index});
    return {};
}

Result<void> Parser::take_timing(std::string_view value, std::uint32_t index) {
    Tokens fields(value);
    std::string_view start = fields.next();
    std::string_view stop = fields.next();
    if (stop.empty() || !fields.done()) {
        return fail("t= line needs <start-time> <stop-time>");
    }
    auto start_time = parse_u64(start);
    auto stop_time = parse_u64(stop);
    if (!start_time || !stop_time) {
        return fail("t= time is not a number");
    }
    session_.timings.push_back(Timing{*start_time, *stop_time, index});
    return {};
}

Result<void> Parser::take_media(std::string_view value, std::uint32_t index) {
    if (session_.media.size() >= limits_.max_media) {
        return fail("more than " + std::to_string(limits_.max_media) + " m= lines");
    }
    Tokens fields(value);
    MediaDescription m;
    m.first_line = index;
    m.media = fields.next();
    if (m.media.empty()) {
        return fail("m= line needs a media type");
    }
    if (!detail::is_token(m.media)) {
        return fail("m= media type is not a token");
    }
    std::string_view port = fields.next();
    if (port.empty()) {
        return fail("m= line needs a port");
    }
    std::size_t slash = port.find('/');
    auto port_number = detail::parse_port(port.substr(0, slash));
    if (!port_number) {
        return fail("m= port is not a number from 0 to 65535");
    }
    m.port = *port_number;
    if (slash != std::string_view::npos) {
        auto count = detail::parse_port(port.substr(slash + 1));
        if (!count || *count == 0) {
            return fail("m= port count is not a number from 1 to 65535");
        }
        m.port_count = *count;
    }
    m.proto = fields.next();
    if (m.proto.empty()) {
        return fail("m= line needs a transport protocol");
    }
    while (!fields.done()) {
        m.formats.push_back(fields.next());
    }
    if (m.formats.empty()) {
        return fail("m= line needs at least one format");
    }
    if (m.is_rtp()) {
        // RFC 8866 §5.14: under an RTP profile the formats are RTP payload type numbers.
        for (std::string_view f : m.formats) {
            if (!detail::parse_payload_type(f)) {
                return fail("m= payload type is not a number from 0 to 127");
            }
        }
    }
    session_.media.push_back(std::move(m));
    return {};
}

Result<void> Parser::take_attribute(std::string_view value, std::uint32_t index) {
    Attribute a;
    std::size_t colon = value.find(':');
    a.name = value.substr(0, colon);
    if (colon != std::string_view::npos) {
        a.value = value.substr(colon + 1);
        a.has_value = true;
    }
    a.line = index;
    if (a.name.empty()) {
        return fail("a= line has no attribute name");
    }
    if (!detail::is_token(a.name)) {
        return fail("a= attribute name is not a token");
    }
    // The attributes the relay reads are checked here, so their typed accessors cannot fail.
    if (iequals(a.name, "rtpmap")) {
        if (auto map = parse_rtpmap(a.value); !map) {
            return fail(map.error().message);
        }
    } else if (iequals(a.name, "fmtp")) {
        if (auto fmtp = parse_fmtp(a.value); !fmtp) {
            return fail(fmtp.error().message);
        }
    } else if (iequals(a.name, "rtcp")) {
        if (auto rtcp = parse_rtcp(a.value); !rtcp) {
            return fail(rtcp.error().message);
        }
    }
    current().attributes.push_back(a);
    return {};
}

void Parser::close_sections() {
    auto total = static_cast<std::uint32_t>(session_.lines.size());
    auto& media = session_.media;
    session_.first_line = 0;
    session_.end_line = media.empty() ? total : media.front().first_line;
    for (std::size_t i = 0; i < media.size(); ++i) {
        media[i].end_line = (i + 1 < media.size()) ? media[i + 1].first_line : total;
    }
}

}  // namespace

Result<Session> parse_session(std::string_view text, const Limits& limits) {
    return Parser(text, limits).run();
}

}  // namespace sb::sdp
