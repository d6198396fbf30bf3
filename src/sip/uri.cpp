#include "sip/uri.h"

#include <arpa/inet.h>

#include "base/strings.h"
#include "sip/charsets.h"
#include "sip/params.h"

namespace sb::sip {
namespace {

bool valid_ipv6_reference(std::string_view host) {
    if (host.size() < 4 || host.size() > 64 || host.front() != '[' || host.back() != ']') {
        return false;
    }
    char buf[64];
    std::string_view inner = host.substr(1, host.size() - 2);
    inner.copy(buf, inner.size());
    buf[inner.size()] = '\0';
    in6_addr addr{};
    return inet_pton(AF_INET6, buf, &addr) == 1;
}

bool valid_host(std::string_view host) {
    if (host.empty()) {
        return false;
    }
    if (host.front() == '[') {
        return valid_ipv6_reference(host);
    }
    if (!chars::all_of(host, chars::kHost)) {
        return false;
    }
    // hostname labels may not start or end with '-'; a trailing '.' is allowed.
    return host.front() != '-' && host.front() != '.';
}

bool valid_uri_params(std::string_view params) {
    // uri-parameters = *( ";" pname [ "=" pvalue ] ), no whitespace anywhere.
    std::size_t i = 0;
    while (i < params.size()) {
        if (params[i] != ';') {
            return false;
        }
        std::size_t end = params.find(';', i + 1);
        if (end == std::string_view::npos) {
            end = params.size();
        }
        std::string_view p = params.substr(i + 1, end - i - 1);
        std::size_t eq = p.find('=');
        std::string_view name = p.substr(0, eq);
        if (!chars::all_escaped(name, chars::kParam)) {
            return false;
        }
        if (eq != std::string_view::npos && !chars::all_escaped(p.substr(eq + 1), chars::kParam)) {
            return false;
        }
        i = end;
    }
    return true;
}

bool valid_uri_headers(std::string_view headers) {
    // headers = header *( "&" header ), header = hname "=" hvalue
    std::size_t i = 0;
    while (i <= headers.size()) {
        std::size_t end = headers.find('&', i);
        if (end == std::string_view::npos) {
            end = headers.size();
        }
        std::string_view h = headers.substr(i, end - i);
        std::size_t eq = h.find('=');
        if (eq == std::string_view::npos || !chars::all_escaped(h.substr(0, eq), chars::kHeader)) {
            return false;
        }
        std::string_view value = h.substr(eq + 1);
        if (!value.empty() && !chars::all_escaped(value, chars::kHeader)) {
            return false;
        }
        i = end + 1;
    }
    return true;
}

Expected<Uri, UriError> parse_sip(Uri uri, std::string_view rest) {
    // userinfo ends at the '@'; user and password characters exclude '@' unescaped.
    std::size_t at = rest.find('@');
    if (at != std::string_view::npos) {
        std::string_view userinfo = rest.substr(0, at);
        std::size_t colon = userinfo.find(':');
        uri.user = userinfo.substr(0, colon);
        if (!chars::all_escaped(uri.user, chars::kUser)) {
            return Unexpected<UriError>("bad user part in URI");
        }
        if (colon != std::string_view::npos) {
            uri.password = userinfo.substr(colon + 1);
            if (!uri.password.empty() && !chars::all_escaped(uri.password, chars::kPassword)) {
                return Unexpected<UriError>("bad password in URI");
            }
        }
        rest.remove_prefix(at + 1);
    }
    std::size_t host_end;
    if (!rest.empty() && rest.front() == '[') {
        host_end = rest.find(']');
        host_end = host_end == std::string_view::npos ? rest.size() : host_end + 1;
    } else {
        host_end = rest.find_first_of(":;?");
        if (host_end == std::string_view::npos) {
            host_end = rest.size();
        }
    }
    uri.host = rest.substr(0, host_end);
    if (!valid_host(uri.host)) {
        return Unexpected<UriError>("bad host in URI");
    }
    rest.remove_prefix(host_end);
    if (!rest.empty() && rest.front() == ':') {
        std::size_t port_end = rest.find_first_of(";?");
        if (port_end == std::string_view::npos) {
            port_end = rest.size();
        }
        auto port = parse_u32(rest.substr(1, port_end - 1));
        if (!port || *port == 0 || *port > 65535) {
            return Unexpected<UriError>("bad port in URI");
        }
        uri.port = static_cast<std::uint16_t>(*port);
        rest.remove_prefix(port_end);
    }
    std::size_t q = rest.find('?');
    uri.params = rest.substr(0, q);
    if (!valid_uri_params(uri.params)) {
        return Unexpected<UriError>("bad URI parameter");
    }
    if (q != std::string_view::npos) {
        uri.headers = rest.substr(q + 1);
        if (!valid_uri_headers(uri.headers)) {
            return Unexpected<UriError>("bad URI headers");
        }
    }
    return uri;
}

Expected<Uri, UriError> parse_tel(Uri uri, std::string_view rest) {
    std::size_t semi = rest.find(';');
    uri.user = rest.substr(0, semi);
    if (!chars::all_of(uri.user, chars::kTel)) {
        return Unexpected<UriError>("bad telephone number in URI");
    }
    if (semi != std::string_view::npos) {
        uri.params = rest.substr(semi);
        if (!valid_uri_params(uri.params)) {
            return Unexpected<UriError>("bad URI parameter");
        }
    }
    return uri;
}

}  // namespace

std::optional<std::string_view> Uri::param(std::string_view name) const {
    return find_param(params, name);
}

std::string_view Uri::host_address() const {
    if (host.size() >= 2 && host.front() == '[') {
        return host.substr(1, host.size() - 2);
    }
    return host;
}

Expected<Uri, UriError> parse_uri(std::string_view text) {
    Uri uri;
    uri.text = text;
    std::size_t colon = text.find(':');
    if (colon == std::string_view::npos || colon == 0) {
        return Unexpected<UriError>("missing URI scheme");
    }
    std::string_view scheme = text.substr(0, colon);
    std::string_view rest = text.substr(colon + 1);
    if (!(scheme[0] >= 'a' && scheme[0] <= 'z') && !(scheme[0] >= 'A' && scheme[0] <= 'Z')) {
        return Unexpected<UriError>("bad URI scheme");
    }
    if (!chars::all_of(scheme, chars::kScheme)) {
        return Unexpected<UriError>("bad URI scheme");
    }
    if (iequals(scheme, "sip")) {
        uri.scheme = UriScheme::Sip;
        return parse_sip(uri, rest);
    }
    if (iequals(scheme, "sips")) {
        uri.scheme = UriScheme::Sips;
        return parse_sip(uri, rest);
    }
    if (iequals(scheme, "tel")) {
        uri.scheme = UriScheme::Tel;
        return parse_tel(uri, rest);
    }
    uri.scheme = UriScheme::Other;
    if (!chars::all_of(rest, chars::kUric)) {
        return Unexpected<UriError>("bad character in URI");
    }
    return uri;
}

std::string unescape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    auto hex = [](char c) {
        return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
    };
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size() && chars::is_hex(text[i + 1]) &&
            chars::is_hex(text[i + 2])) {
            out.push_back(static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2])));
            i += 2;
        } else {
            out.push_back(text[i]);
        }
    }
    return out;
}

std::string address_of_record(const Uri& uri) {
    std::string aor = "sip:";
    if (!uri.user.empty()) {
        aor += unescape(uri.user);
        aor += '@';
    }
    aor += to_lower(uri.host);
    return aor;
}

bool is_ip_literal(std::string_view host) {
    if (!host.empty() && host.front() == '[') {
        return true;
    }
    char buf[16];
    if (host.size() >= sizeof(buf)) {
        return false;
    }
    host.copy(buf, host.size());
    buf[host.size()] = '\0';
    in_addr addr{};
    return inet_pton(AF_INET, buf, &addr) == 1;
}

}  // namespace sb::sip
