#include "protection/address.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

#include <fmt/format.h>

#include "base/strings.h"

namespace sb::protection {
namespace {

constexpr std::array<std::uint8_t, 12> kV4Prefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
constexpr std::uint8_t kV4Bits = 96;  // the ::ffff:0:0/96 prefix of IPv4-mapped addresses

std::uint64_t mix(std::uint64_t x) {
    // The splitmix64 finalizer: every input bit reaches every output bit.
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

}  // namespace

IpAddress IpAddress::of(const transport::Endpoint& endpoint) {
    IpAddress a;
    const sockaddr* sa = endpoint.sockaddr_ptr();
    if (sa->sa_family == AF_INET) {
        const auto* v4 = reinterpret_cast<const sockaddr_in*>(sa);
        std::memcpy(a.bytes_.data(), kV4Prefix.data(), kV4Prefix.size());
        std::memcpy(a.bytes_.data() + 12, &v4->sin_addr, 4);
    } else if (sa->sa_family == AF_INET6) {
        const auto* v6 = reinterpret_cast<const sockaddr_in6*>(sa);
        std::memcpy(a.bytes_.data(), &v6->sin6_addr, 16);
    }
    return a;
}

Result<IpAddress> IpAddress::parse(std::string_view text) {
    char buf[INET6_ADDRSTRLEN + 1];
    if (text.empty() || text.size() >= sizeof(buf)) {
        return fail("'" + std::string(text) + "' is not an IP address");
    }
    text.copy(buf, text.size());
    buf[text.size()] = '\0';
    IpAddress a;
    in_addr v4{};
    if (inet_pton(AF_INET, buf, &v4) == 1) {
        std::memcpy(a.bytes_.data(), kV4Prefix.data(), kV4Prefix.size());
        std::memcpy(a.bytes_.data() + 12, &v4, 4);
        return a;
    }
    if (inet_pton(AF_INET6, buf, a.bytes_.data()) == 1) {
        return a;
    }
    return fail("'" + std::string(text) + "' is not an IP address");
}

bool IpAddress::is_v4() const {
    return std::memcmp(bytes_.data(), kV4Prefix.data(), kV4Prefix.size()) == 0;
}

std::string IpAddress::to_string() const {
    char buf[INET6_ADDRSTRLEN];
    if (is_v4()) {
        return inet_ntop(AF_INET, bytes_.data() + 12, buf, sizeof(buf)) != nullptr ? buf : "?";
    }
    return inet_ntop(AF_INET6, bytes_.data(), buf, sizeof(buf)) != nullptr ? buf : "?";
}

std::uint64_t IpAddress::hash() const {
    std::uint64_t hi = 0;
    std::uint64_t lo = 0;
    std::memcpy(&hi, bytes_.data(), 8);
    std::memcpy(&lo, bytes_.data() + 8, 8);
    return mix(hi ^ mix(lo));
}

Result<Cidr> Cidr::parse(std::string_view text) {
    const std::string what = "'" + std::string(text) + "'";
    std::string_view host = text;
    std::string_view length;
    if (auto slash = text.find('/'); slash != std::string_view::npos) {
        host = text.substr(0, slash);
        length = text.substr(slash + 1);
    }
    auto address = IpAddress::parse(host);
    if (!address) {
        return fail(what + " is not an IP address or range (like 192.0.2.0/24 or 2001:db8::/32)");
    }
    Cidr c;
    c.network_ = *address;
    const bool v4 = address->is_v4() && host.find(':') == std::string_view::npos;
    const std::uint32_t max = v4 ? 32 : 128;
    if (text.find('/') != std::string_view::npos) {
        auto bits = parse_u32(length);
        if (!bits || *bits > max) {
            return fail(fmt::format("{}: the prefix length must be 0..{}", what, max));
        }
        c.prefix_ = static_cast<std::uint8_t>(v4 ? kV4Bits + *bits : *bits);
    }
    // Host bits must be zero: "10.1.2.3/8" is more likely a mistake than a wish for 10/8.
    for (std::size_t bit = c.prefix_; bit < 128; ++bit) {
        if ((c.network_.bytes()[bit / 8] >> (7 - bit % 8)) & 1) {
            return fail(what + " has bits set after the prefix length");
        }
    }
    return c;
}

bool Cidr::contains(const IpAddress& address) const {
    const auto& a = address.bytes();
    const auto& n = network_.bytes();
    const std::size_t whole = prefix_ / 8;
    if (std::memcmp(a.data(), n.data(), whole) != 0) {
        return false;
    }
    if (const unsigned rest = prefix_ % 8; rest != 0) {
        const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
        return (a[whole] & mask) == (n[whole] & mask);
    }
    return true;
}

std::string Cidr::to_string() const {
    const bool v4 = network_.is_v4() && prefix_ >= kV4Bits;
    const unsigned bits = v4 ? prefix_ - kV4Bits : prefix_;
    if (bits == (v4 ? 32u : 128u)) {
        return network_.to_string();
    }
    return fmt::format("{}/{}", network_.to_string(), bits);
}

bool any_contains(std::span<const Cidr> ranges, const IpAddress& address) {
    for (const Cidr& range : ranges) {
        if (range.contains(address)) {
            return true;
        }
    }
    return false;
}

}  // namespace sb::protection
