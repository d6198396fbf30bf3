#include "sip/via.h"

#include "base/strings.h"
#include "sip/charsets.h"
#include "sip/params.h"
#include "sip/uri.h"

namespace sb::sip {
namespace {

using Fail = Unexpected<const char*>;

constexpr bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view skip_ws(std::string_view s) {
    while (!s.empty() && is_ws(s.front())) {
        s.remove_prefix(1);
    }
    return s;
}

std::string_view take_token(std::string_view& s) {
    std::size_t n = 0;
    while (n < s.size() && chars::in(chars::kToken, s[n])) {
        ++n;
    }
    std::string_view t = s.substr(0, n);
    s.remove_prefix(n);
    return t;
}

bool expect(std::string_view& s, char c) {
    s = skip_ws(s);
    if (s.empty() || s.front() != c) {
        return false;
    }
    s = skip_ws(s.substr(1));
    return true;
}

}  // namespace

std::optional<std::string_view> Via::param(std::string_view name) const {
    return find_param(params, name);
}

Expected<Via, const char*> parse_via(std::string_view value) {
    Via via;
    std::string_view s = trim(value);
    via.text = s;
    // sent-protocol = protocol-name SLASH protocol-version SLASH transport
    via.protocol = take_token(s);
    if (via.protocol.empty() || !expect(s, '/')) {
        return Fail("bad sent-protocol");
    }
    via.version = take_token(s);
    if (via.version.empty() || !expect(s, '/')) {
        return Fail("bad sent-protocol");
    }
    via.transport = take_token(s);
    if (via.transport.empty()) {
        return Fail("missing transport");
    }
    if (!iequals(via.protocol, "SIP") || via.version != "2.0") {
        return Fail("unsupported protocol version");
    }
    std::string_view after = skip_ws(s);
    if (after.size() == s.size()) {
        return Fail("missing sent-by");
    }
    s = after;
    // sent-by = host [ COLON port ]
    std::size_t host_end;
    if (!s.empty() && s.front() == '[') {
        host_end = s.find(']');
        if (host_end == std::string_view::npos) {
            return Fail("bad sent-by host");
        }
        ++host_end;
    } else {
        host_end = 0;
        while (host_end < s.size() && chars::in(chars::kHost, s[host_end])) {
            ++host_end;
        }
    }
    via.host = s.substr(0, host_end);
    if (via.host.empty()) {
        return Fail("bad sent-by host");
    }
    s = skip_ws(s.substr(host_end));
    if (!s.empty() && s.front() == ':') {
        s = skip_ws(s.substr(1));
        std::size_t n = 0;
        while (n < s.size() && s[n] >= '0' && s[n] <= '9') {
            ++n;
        }
        auto port = parse_u32(s.substr(0, n));
        if (!port || *port == 0 || *port > 65535) {
            return Fail("bad sent-by port");
        }
        via.port = static_cast<std::uint16_t>(*port);
        s = skip_ws(s.substr(n));
    }
    if (!s.empty()) {
        if (s.front() != ';') {
            return Fail("unexpected text after sent-by");
        }
        if (const char* err = check_header_params(s)) {
            return Fail(err);
        }
        via.params = s;
        ParamCursor cursor(s);
        while (auto p = cursor.next()) {
            if (iequals(p->name, "branch")) {
                if (p->value.empty()) {
                    return Fail("empty branch");
                }
                via.branch = p->value;
            } else if (iequals(p->name, "received")) {
                via.received = p->value;
            } else if (iequals(p->name, "rport")) {
                if (!p->value.empty() && !parse_u32(p->value)) {
                    return Fail("bad rport");
                }
                via.rport = p->value;
            }
        }
    }
    return via;
}

}  // namespace sb::sip
