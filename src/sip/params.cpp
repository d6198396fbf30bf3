#include "sip/params.h"

#include "base/strings.h"
#include "sip/charsets.h"

namespace sb::sip {
namespace {

constexpr bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view skip_ws(std::string_view s) {
    while (!s.empty() && is_ws(s.front())) {
        s.remove_prefix(1);
    }
    return s;
}

// Length of a quoted-string at the start of `s` (s[0] == '"'), or 0 when it is unterminated.
std::size_t quoted_length(std::string_view s) {
    for (std::size_t i = 1; i < s.size(); ++i) {
        if (s[i] == '\\') {
            ++i;
        } else if (s[i] == '"') {
            return i + 1;
        }
    }
    return 0;
}

}  // namespace

std::optional<Param> ParamCursor::next() {
    rest_ = skip_ws(rest_);
    if (rest_.empty() || error_) {
        return std::nullopt;
    }
    if (rest_.front() != ';') {
        error_ = true;
        return std::nullopt;
    }
    rest_ = skip_ws(rest_.substr(1));
    Param p;
    std::size_t n = 0;
    while (n < rest_.size() && rest_[n] != ';' && rest_[n] != '=' && !is_ws(rest_[n])) {
        ++n;
    }
    p.name = rest_.substr(0, n);
    rest_ = skip_ws(rest_.substr(n));
    if (p.name.empty()) {
        error_ = true;
        return std::nullopt;
    }
    if (!rest_.empty() && rest_.front() == '=') {
        rest_ = skip_ws(rest_.substr(1));
        p.has_value = true;
        if (!rest_.empty() && rest_.front() == '"') {
            std::size_t q = quoted_length(rest_);
            if (q == 0) {
                error_ = true;
                return std::nullopt;
            }
            p.value = rest_.substr(0, q);
            rest_ = rest_.substr(q);
        } else {
            std::size_t v = 0;
            while (v < rest_.size() && rest_[v] != ';' && !is_ws(rest_[v])) {
                ++v;
            }
            p.value = rest_.substr(0, v);
            rest_ = rest_.substr(v);
        }
    }
    return p;
}

std::optional<std::string_view> find_param(std::string_view params, std::string_view name) {
    ParamCursor cursor(params);
    while (auto p = cursor.next()) {
        if (iequals(p->name, name)) {
            return p->value;
        }
    }
    return std::nullopt;
}

const char* check_header_params(std::string_view params) {
    ParamCursor cursor(params);
    while (auto p = cursor.next()) {
        if (!chars::all_of(p->name, chars::kToken)) {
            return "bad parameter name";
        }
        if (p->has_value) {
            if (p->value.empty()) {
                return "empty parameter value";
            }
            // gen-value = token / host / quoted-string; IPv6 references appear in received=.
            if (p->value.front() != '"' && !chars::all_of(p->value, chars::kGenValue)) {
                return "bad parameter value";
            }
        }
    }
    if (cursor.error()) {
        return "malformed parameters";
    }
    return nullptr;
}

std::string_view unquote(std::string_view value) {
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        return value.substr(1, value.size() - 2);
    }
    return value;
}

}  // namespace sb::sip
