#pragma once

// Small string helpers for protocol text: ASCII case folding, trimming and number parsing that
// never allocate and never throw.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sb {

constexpr char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

/// ASCII case-insensitive equality (SIP header names, methods of the same case rules, tokens).
constexpr bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (ascii_lower(a[i]) != ascii_lower(b[i])) {
            return false;
        }
    }
    return true;
}

/// True when `s` starts with `prefix`, ignoring ASCII case.
constexpr bool istarts_with(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

std::string to_lower(std::string_view s);

constexpr bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/// Strips spaces, tabs, CR and LF from both ends (folded header lines keep their CRLF inside).
constexpr std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) {
        s.remove_prefix(1);
    }
    while (!s.empty() && is_space(s.back())) {
        s.remove_suffix(1);
    }
    return s;
}

/// Parses an unsigned decimal that fits in 32 bits; nothing but digits is accepted.
std::optional<std::uint32_t> parse_u32(std::string_view s);
/// Parses an unsigned decimal that fits in 64 bits; nothing but digits is accepted.
std::optional<std::uint64_t> parse_u64(std::string_view s);

/// FNV-1a over ASCII-lowered bytes: a cheap, stable hash for case-insensitive keys.
constexpr std::uint64_t ihash(std::string_view s) {
    std::uint64_t h = 1469598103934665603ULL;
    for (char c : s) {
        h ^= static_cast<unsigned char>(ascii_lower(c));
        h *= 1099511628211ULL;
    }
    return h;
}

/// FNV-1a over the bytes as they are. Given the hash of what came before as `h`, it goes on
/// from there: hashing pieces one after the other gives the hash of them joined.
constexpr std::uint64_t hash_bytes(std::string_view s, std::uint64_t h = 1469598103934665603ULL) {
    for (char c : s) {
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ULL;
    }
    return h;
}

}  // namespace sb
