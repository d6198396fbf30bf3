#pragma once

// Source addresses as the protection tables key them: IPv4 and IPv6 in one 16-byte form
// (IPv4 as the IPv4-mapped IPv6 address, RFC 4291 §2.5.5.2), so a v4 client seen on a
// dual-stack socket and on a v4 socket is one source, and one CIDR matcher serves both.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "base/result.h"
#include "transport/api/endpoint.h"

namespace sb::protection {

class IpAddress {
public:
    /// The unspecified address "::".
    IpAddress() = default;
    /// The address of an endpoint (its port is not part of the source).
    static IpAddress of(const transport::Endpoint& endpoint);
    /// Parses an IPv4 or IPv6 literal without brackets; an error names the text.
    static Result<IpAddress> parse(std::string_view text);

    /// True for IPv4 addresses (kept as ::ffff:a.b.c.d).
    bool is_v4() const;
    const std::array<std::uint8_t, 16>& bytes() const { return bytes_; }
    /// "192.0.2.1" or "2001:db8::1".
    std::string to_string() const;
    /// A well-mixed hash: the tables take their shard from the high bits.
    std::uint64_t hash() const;

    bool operator==(const IpAddress&) const = default;

private:
    std::array<std::uint8_t, 16> bytes_{};
};

struct IpAddressHash {
    std::size_t operator()(const IpAddress& a) const { return static_cast<std::size_t>(a.hash()); }
};

/// An address range: "10.0.0.0/8", "2001:db8::/32", or a single address ("192.0.2.7").
class Cidr {
public:
    /// Parses a range or a single address. A range with host bits set ("10.1.2.3/8") is an
    /// error rather than silently widened, since it is most likely a typo.
    static Result<Cidr> parse(std::string_view text);

    bool contains(const IpAddress& address) const;
    /// The range as it would be written in the configuration ("10.0.0.0/8", "192.0.2.7").
    std::string to_string() const;

    bool operator==(const Cidr&) const = default;

private:
    IpAddress network_;
    std::uint8_t prefix_ = 128;  // in bits of the 16-byte form: an IPv4 /8 is 104
};

/// True when any range of `ranges` contains `address`.
bool any_contains(std::span<const Cidr> ranges, const IpAddress& address);

}  // namespace sb::protection
