#include "sdp/attributes.h"

#include "base/strings.h"
#include "sdp/tokens.h"

namespace sb::sdp {

Result<RtpMap> parse_rtpmap(std::string_view value) {
    detail::Tokens fields(value);
    RtpMap map;
    auto pt = detail::parse_payload_type(fields.next());
    if (!pt) {
        return fail("a=rtpmap payload type is not a number from 0 to 127");
    }
    map.payload_type = *pt;
    std::string_view encoding = fields.next();
    if (encoding.empty()) {
        return fail("a=rtpmap needs <encoding name>/<clock rate>");
    }
    if (!fields.done()) {
        return fail("a=rtpmap has text after the encoding");
    }
    std::size_t slash = encoding.find('/');
    if (slash == std::string_view::npos || slash == 0) {
        return fail("a=rtpmap needs <encoding name>/<clock rate>");
    }
    map.encoding_name = encoding.substr(0, slash);
    std::string_view rest = encoding.substr(slash + 1);
    std::size_t slash2 = rest.find('/');
    auto rate = parse_u32(rest.substr(0, slash2));
    if (!rate) {
        return fail("a=rtpmap clock rate is not a number");
    }
    map.clock_rate = *rate;
    if (slash2 != std::string_view::npos) {
        // RFC 8866 §6.6: for audio the encoding parameters are the channel count.
        auto channels = parse_u32(rest.substr(slash2 + 1));
        if (!channels || *channels == 0 || *channels > 65535) {
            return fail("a=rtpmap channel count is not a number from 1 to 65535");
        }
        map.channels = static_cast<std::uint16_t>(*channels);
    }
    return map;
}

Result<Fmtp> parse_fmtp(std::string_view value) {
    detail::Tokens fields(value);
    Fmtp fmtp;
    fmtp.format = fields.next();
    if (fmtp.format.empty()) {
        return fail("a=fmtp needs a format");
    }
    fmtp.parameters = fields.rest();
    return fmtp;
}

Result<Rtcp> parse_rtcp(std::string_view value) {
    detail::Tokens fields(value);
    Rtcp rtcp;
    auto port = detail::parse_port(fields.next());
    if (!port) {
        return fail("a=rtcp port is not a number from 0 to 65535");
    }
    rtcp.port = *port;
    if (fields.done()) {
        return rtcp;
    }
    rtcp.nettype = fields.next();
    rtcp.addrtype = fields.next();
    rtcp.address = fields.next();
    if (rtcp.address.empty() || !fields.done()) {
        return fail("a=rtcp needs <port> [<nettype> <addrtype> <address>]");
    }
    return rtcp;
}

}  // namespace sb::sdp
