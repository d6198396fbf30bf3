#pragma once

// Lexical helpers shared by the parser and the attribute readers. Internal to the sdp module.

#include <cstdint>
#include <optional>
#include <string_view>

#include "base/strings.h"

namespace sb::sdp::detail {

/// Walks the space-separated fields of a line value. RFC 8866 §9 separates fields with exactly
/// one SP; runs of spaces are tolerated because some stacks pad their lines.
class Tokens {
public:
    explicit Tokens(std::string_view text) : rest_(text) {}

    /// The next field, or an empty view when there is none left.
    std::string_view next() {
        skip_spaces();
        std::size_t n = rest_.find(' ');
        if (n == std::string_view::npos) {
            n = rest_.size();
        }
        std::string_view field = rest_.substr(0, n);
        rest_.remove_prefix(n);
        return field;
    }

    /// Everything after the fields taken so far, leading spaces skipped.
    std::string_view rest() {
        skip_spaces();
        return rest_;
    }

    bool done() { return rest().empty(); }

private:
    void skip_spaces() {
        while (!rest_.empty() && rest_.front() == ' ') {
            rest_.remove_prefix(1);
        }
    }

    std::string_view rest_;
};

/// token-char of RFC 8866 §9: any visible ASCII except the separators it names.
constexpr bool is_token_char(char c) {
    if (c >= '0' && c <= '9') {
        return true;
    }
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
        return true;
    }
    return std::string_view("!#$%&'*+-.^_`{|}~").find(c) != std::string_view::npos;
}

constexpr bool is_token(std::string_view s) {
    if (s.empty()) {
        return false;
    }
    for (char c : s) {
        if (!is_token_char(c)) {
            return false;
        }
    }
    return true;
}

/// A port number: digits only, at most 65535.
inline std::optional<std::uint16_t> parse_port(std::string_view s) {
    auto v = parse_u32(s);
    if (!v || *v > 65535) {
        return std::nullopt;
    }
    return static_cast<std::uint16_t>(*v);
}

/// An RTP payload type: digits only, 0-127 (RFC 3551 §3; the 7-bit PT field of RFC 3550 §5.1).
inline std::optional<std::uint8_t> parse_payload_type(std::string_view s) {
    auto v = parse_u32(s);
    if (!v || *v > 127) {
        return std::nullopt;
    }
    return static_cast<std::uint8_t>(*v);
}

/// True when `s` is 1*DIGIT, whatever its length (sess-id and sess-version may exceed 64 bits).
constexpr bool is_digits(std::string_view s) {
    if (s.empty()) {
        return false;
    }
    for (char c : s) {
        if (c < '0' || c > '9') {
            return false;
        }
    }
    return true;
}

}  // namespace sb::sdp::detail
