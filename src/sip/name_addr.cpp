#include "sip/name_addr.h"

#include "base/strings.h"
#include "sip/charsets.h"
#include "sip/params.h"

namespace sb::sip {
namespace {

using Fail = Unexpected<const char*>;

constexpr bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Length of the quoted-string at the start of s, 0 when unterminated or holding a bare CR/LF.
std::size_t quoted_length(std::string_view s) {
    for (std::size_t i = 1; i < s.size(); ++i) {
        if (s[i] == '\\') {
            // quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)
            if (i + 1 >= s.size() || s[i + 1] == '\r' || s[i + 1] == '\n') {
                return 0;
            }
            ++i;
        } else if (s[i] == '"') {
            return i + 1;
        }
    }
    return 0;
}

// display-name = *(token LWS) / quoted-string
bool valid_token_display(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        if (is_ws(s[i])) {
            ++i;
            continue;
        }
        if (!chars::in(chars::kToken, s[i])) {
            return false;
        }
        ++i;
    }
    return true;
}

}  // namespace

std::optional<std::string_view> NameAddr::param(std::string_view name) const {
    return find_param(params, name);
}

std::string_view NameAddr::tag() const { return param("tag").value_or(std::string_view{}); }

Expected<NameAddr, const char*> parse_name_addr(std::string_view value) {
    NameAddr na;
    std::string_view s = trim(value);
    na.text = s;
    if (s.empty()) {
        return Fail("empty value");
    }
    std::string_view rest;
    std::size_t lt = std::string_view::npos;
    if (s.front() == '"') {
        std::size_t q = quoted_length(s);
        if (q == 0) {
            return Fail("unterminated quoted display name");
        }
        na.display_name = s.substr(0, q);
        std::string_view after = trim(s.substr(q));
        if (after.empty() || after.front() != '<') {
            return Fail("quoted display name must be followed by <URI>");
        }
        lt = static_cast<std::size_t>(after.data() - s.data());
    } else {
        // A '<' before any ';' means name-addr form; a bare URI cannot contain '<'.
        std::size_t semi = s.find(';');
        std::size_t angle = s.find('<');
        if (angle != std::string_view::npos && (semi == std::string_view::npos || angle < semi)) {
            lt = angle;
            na.display_name = trim(s.substr(0, lt));
            if (!valid_token_display(na.display_name)) {
                return Fail("display name must be quoted");
            }
        }
    }

    std::string_view uri_text;
    if (lt != std::string_view::npos) {
        std::size_t gt = s.find('>', lt);
        if (gt == std::string_view::npos) {
            return Fail("missing '>'");
        }
        uri_text = s.substr(lt + 1, gt - lt - 1);
        if (uri_text.empty() || is_ws(uri_text.front()) || is_ws(uri_text.back())) {
            return Fail("whitespace inside <>");
        }
        na.bracketed = true;
        rest = s.substr(gt + 1);
    } else {
        // addr-spec: the URI ends at the first ';' or whitespace; what follows are header
        // parameters. RFC 3261 §20: a URI with ',', '?' or ';' must be enclosed in <>.
        std::size_t end = 0;
        while (end < s.size() && s[end] != ';' && !is_ws(s[end])) {
            ++end;
        }
        uri_text = s.substr(0, end);
        if (uri_text.find_first_of("?,") != std::string_view::npos) {
            return Fail("URI with '?' or ',' must be enclosed in <>");
        }
        rest = s.substr(end);
    }
    auto uri = parse_uri(uri_text);
    if (!uri) {
        return Fail(uri.error());
    }
    na.uri = *uri;
    rest = trim(rest);
    if (!rest.empty()) {
        if (rest.front() != ';') {
            return Fail("unexpected text after URI");
        }
        if (const char* err = check_header_params(rest)) {
            return Fail(err);
        }
        na.params = rest;
    }
    return na;
}

}  // namespace sb::sip
