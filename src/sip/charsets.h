#pragma once

// RFC 3261 §25.1 character classes as compile-time lookup tables.

#include <array>
#include <string_view>

namespace sb::sip::chars {

using Table = std::array<bool, 256>;

constexpr Table make(std::string_view extra, bool alnum = true) {
    Table t{};
    if (alnum) {
        for (int c = '0'; c <= '9'; ++c) t[static_cast<std::size_t>(c)] = true;
        for (int c = 'a'; c <= 'z'; ++c) t[static_cast<std::size_t>(c)] = true;
        for (int c = 'A'; c <= 'Z'; ++c) t[static_cast<std::size_t>(c)] = true;
    }
    for (char c : extra) t[static_cast<unsigned char>(c)] = true;
    return t;
}

// token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~")
inline constexpr Table kToken = make("-.!%*_+`'~");
// unreserved = alphanum / mark
inline constexpr Table kUnreserved = make("-_.!~*'()");
// user = 1*(unreserved / escaped / user-unreserved)
inline constexpr Table kUser = make("-_.!~*'()&=+$,;?/");
// password = *(unreserved / escaped / "&" / "=" / "+" / "$" / ",")
inline constexpr Table kPassword = make("-_.!~*'()&=+$,");
// paramchar = param-unreserved / unreserved / escaped
inline constexpr Table kParam = make("-_.!~*'()[]/:&+$");
// hname / hvalue = *(hnv-unreserved / unreserved / escaped)
inline constexpr Table kHeader = make("-_.!~*'()[]/?:+$");
// host name characters (hostname, IPv4); IPv6 references are checked separately
inline constexpr Table kHost = make("-.");
// tel URI (RFC 3966), permissive: digits, hex, visual separators, +, *, #
inline constexpr Table kTel = make("-.()+*#");
// uric (RFC 2396) for absolute URIs of other schemes
inline constexpr Table kUric = make(";/?:@&=+$,-_.!~*'()%");
// gen-value of header parameters: token / host (IPv6 references included)
inline constexpr Table kGenValue = make("-.!%*_+`'~:[]");
inline constexpr Table kDigit = make("0123456789", false);
// URI scheme = ALPHA *(ALPHA / DIGIT / "+" / "-" / ".")
inline constexpr Table kScheme = make("+-.");

constexpr bool in(const Table& t, char c) { return t[static_cast<unsigned char>(c)]; }

constexpr bool is_hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/// True when every byte is in `t` or part of a valid %XX escape (and `s` is not empty).
constexpr bool all_escaped(std::string_view s, const Table& t) {
    if (s.empty()) {
        return false;
    }
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%') {
            if (i + 2 >= s.size() || !is_hex(s[i + 1]) || !is_hex(s[i + 2])) {
                return false;
            }
            i += 2;
        } else if (!in(t, s[i])) {
            return false;
        }
    }
    return true;
}

constexpr bool all_of(std::string_view s, const Table& t) {
    if (s.empty()) {
        return false;
    }
    for (char c : s) {
        if (!in(t, c)) {
            return false;
        }
    }
    return true;
}

}  // namespace sb::sip::chars
